package graph_test

import (
	"math"
	"testing"

	"github.com/curvature-go/curvature/graph"
)

// FuzzFusedPrograms records random element-wise programs, reading a byte
// per step, and checks that deferred evaluation gives the value, the
// gradient and the HVP sweeps of the eager recording bit for bit (see
// TestFusedMatchesEager). The seed corpus runs with go test.
func FuzzFusedPrograms(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{8, 8, 2, 9, 0, 3, 3, 1, 7, 4, 6, 5, 2})
	f.Add([]byte{9, 9, 9, 9, 2, 2, 2, 1, 0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5})
	f.Add([]byte{1, 10, 11, 12, 13, 14, 15, 16, 17, 200, 201, 202})
	f.Fuzz(func(t *testing.T, prog []byte) {
		if len(prog) > 64 {
			prog = prog[:64]
		}
		c := fuseCase{name: "fuzz", f: func(x *graph.Node) *graph.Node { return runProgram(x, prog) }}
		const size = 4100 // just above the deferral threshold: four whole pieces and a short one
		x, v, v2 := make([]float64, size), make([]float64, size), make([]float64, size)
		for i := range x {
			x[i] = math.Sin(float64(i)*0.37) + 0.1
			v[i], v2[i] = math.Cos(float64(i)*0.11), math.Sin(float64(i)*0.23)
		}
		if d := fuseDiff(runFuse(c, x, v, v2, false), runFuse(c, x, v, v2, true)); d != "" {
			t.Fatalf("%v: %s", prog, d)
		}
	})
}

// runProgram applies prog to a pool of nodes that starts with x, its
// even and its odd elements, and returns the sum of the last node of each
// size plus a term per pool entry so that every value is used.
func runProgram(x *graph.Node, prog []byte) *graph.Node {
	n := x.Shape()[0]
	full := []*graph.Node{x}
	half := []*graph.Node{graph.Slice(x, 0, 0, n, 2), graph.Slice(x, 0, 1, n, 2)}
	pick := func(pool []*graph.Node, b byte) *graph.Node { return pool[int(b)%len(pool)] }
	for k, b := range prog {
		pool := &full
		if b&1 == 1 {
			pool = &half
		}
		a, c := pick(*pool, b>>1), pick(*pool, b>>3+byte(k))
		var y *graph.Node
		switch (b >> 1) % 13 {
		case 0:
			y = graph.Add(a, c)
		case 1:
			y = graph.Sub(a, c)
		case 2:
			y = graph.Mul(a, c)
		case 3:
			y = graph.Div(a, graph.AddScalar(graph.Square(c), 1))
		case 4:
			y = graph.Scale(a, float64(b%5)-2)
		case 5:
			y = graph.AddScalar(a, 0.25)
		case 6:
			y = graph.ScalarSub(1, a)
		case 7:
			y = graph.Square(a)
		case 8: // a broadcast scalar
			y = graph.Mul(a, graph.Scale(graph.Sum(c), 1e-3))
		case 9: // back to the other size
			if pool == &half {
				full = append(full, graph.Concat(0, a, c)) // not element-wise: computed
				continue
			}
			m := a.Shape()[0]
			half = append(half, graph.Slice(a, 0, int(b>>4)%2, m, 2))
			continue
		case 10:
			y = graph.Tanh(a)
		case 11:
			y = graph.Exp(graph.Scale(graph.Sin(a), 0.5))
		default:
			y = graph.Max(a) // a masked product in its derivative
			y = graph.Mul(c, graph.Scale(y, 0.5))
		}
		*pool = append(*pool, y)
	}
	s := graph.Add(graph.Sum(graph.Square(full[len(full)-1])), graph.Sum(graph.Square(half[len(half)-1])))
	for _, p := range append(full, half...) {
		s = graph.Add(s, graph.Scale(graph.Sum(p), 1e-2))
	}
	return s
}
