package graph_test

import (
	"testing"

	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/tensor"
)

// BenchmarkIm2Col times the unfolding of the second convolution of the
// small MNIST network (128 images of 16×14×14, 3×3 windows, padding 1) and
// its adjoint Col2Im, on a reused tape.
func BenchmarkIm2Col(b *testing.B) {
	x := tensor.Zeros(128, 16, 14, 14)
	k, one := [2]int{3, 3}, [2]int{1, 1}
	tp := graph.NewTape()
	b.Run("Im2Col", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tp.Reset()
			graph.Im2Col(tp.Const(x), k, one, one)
		}
	})
	b.Run("Col2Im", func(b *testing.B) {
		b.ReportAllocs()
		c := tensor.Zeros(128*14*14, 16*9)
		for b.Loop() {
			tp.Reset()
			graph.Col2Im(tp.Const(c), x.Shape(), k, one, one)
		}
	})
	b.Run("MaxPool2D", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tp.Reset()
			graph.MaxPool2D(tp.Const(x), [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0})
		}
	})
}
