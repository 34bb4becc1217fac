package tensor

import (
	"fmt"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/curvature-go/curvature/internal/testutil"
)

// storedShape returns the stored shape of an operand whose op(·) is r×c:
// the last two dimensions are swapped when trans is set.
func storedShape(batch []int, r, c int, trans bool) []int {
	s := append([]int(nil), batch...)
	if trans {
		return append(s, c, r)
	}
	return append(s, r, c)
}

// refMatMul computes op(a)·op(b) batch by batch with gonum's mat.Dense,
// where a and b hold batchA and batchB matrices (1 meaning shared), and
// adds the products to c0 (which may be nil).
func refMatMul(a, b *Tensor, transA, transB bool, m, k, n, batch int, c0 []float64) []float64 {
	out := make([]float64, batch*m*n)
	ar, ac := a.Shape()[a.Dims()-2], a.Shape()[a.Dims()-1]
	br, bc := b.Shape()[b.Dims()-2], b.Shape()[b.Dims()-1]
	for i := range batch {
		if m == 0 || n == 0 {
			break
		}
		var p mat.Dense
		if k == 0 {
			p = *mat.NewDense(m, n, nil)
		} else {
			ia, ib := i, i
			if a.Dims() == 2 {
				ia = 0
			}
			if b.Dims() == 2 {
				ib = 0
			}
			var am, bm mat.Matrix = mat.NewDense(ar, ac, append([]float64(nil), a.Data()[ia*ar*ac:(ia+1)*ar*ac]...)),
				mat.NewDense(br, bc, append([]float64(nil), b.Data()[ib*br*bc:(ib+1)*br*bc]...))
			if transA {
				am = am.T()
			}
			if transB {
				bm = bm.T()
			}
			p.Mul(am, bm)
		}
		for r := range m {
			for c := range n {
				v := p.At(r, c)
				if c0 != nil {
					v += c0[i*m*n+r*n+c]
				}
				out[i*m*n+r*n+c] = v
			}
		}
	}
	return out
}

func TestMatMul(t *testing.T) {
	rng := newRNG(11)
	type dims struct{ m, k, n int }
	sizes := []dims{{1, 1, 1}, {2, 3, 4}, {7, 13, 5}, {1, 5, 1}, {5, 1, 6}, {17, 9, 1}, {33, 65, 31}, {3, 0, 4}, {0, 3, 4}, {3, 4, 0}}
	batches := []struct {
		a, b, out []int // batch dimensions; nil means a plain matrix
	}{
		{nil, nil, nil},
		{[]int{3}, []int{3}, []int{3}},
		{[]int{3}, nil, []int{3}},
		{nil, []int{3}, []int{3}},
		{[]int{2, 2}, []int{2, 2}, []int{2, 2}},
		{[]int{2, 3}, nil, []int{2, 3}},
		{[]int{0}, []int{0}, []int{0}},
	}
	for _, sz := range sizes {
		for _, bt := range batches {
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				transA, transB := tr[0], tr[1]
				a := randNormal(rng, storedShape(bt.a, sz.m, sz.k, transA)...)
				b := randNormal(rng, storedShape(bt.b, sz.k, sz.n, transB)...)
				what := fmt.Sprintf("%v x %v transA=%v transB=%v", a.Shape(), b.Shape(), transA, transB)
				wantShape := append(append([]int(nil), bt.out...), sz.m, sz.n)
				batch := refSize(bt.out)
				want := refMatMul(a, b, transA, transB, sz.m, sz.k, sz.n, batch, nil)

				shape, m, k, n, nb := MatMulShape(a.Shape(), b.Shape(), transA, transB)
				checkShapeIs(t, "MatMulShape "+what, shape, wantShape)
				if m != sz.m || k != sz.k || n != sz.n || nb != batch {
					t.Errorf("MatMulShape %s: m, k, n, batch = %d, %d, %d, %d", what, m, k, n, nb)
				}

				got := MatMulT(a, b, transA, transB)
				checkShapeIs(t, "MatMulT "+what, got.Shape(), wantShape)
				checkClose(t, "MatMulT "+what, got.Data(), want, 1e-12)
				if !transA && !transB {
					got = MatMul(a, b)
					checkShapeIs(t, "MatMul "+what, got.Shape(), wantShape)
					checkClose(t, "MatMul "+what, got.Data(), want, 1e-12)
				}

				// MatMulTo overwrites dst entirely, even when it holds NaN.
				dst := nanFilled(wantShape...)
				if MatMulTo(dst, a, b, transA, transB) != dst {
					t.Fatal("MatMulTo did not return dst")
				}
				checkClose(t, "MatMulTo "+what, dst.Data(), want, 1e-12)

				c0 := randNormal(rng, wantShape...)
				wantAdd := refMatMul(a, b, transA, transB, sz.m, sz.k, sz.n, batch, c0.Data())
				if MatMulAddTo(c0, a, b, transA, transB) != c0 {
					t.Fatal("MatMulAddTo did not return dst")
				}
				checkClose(t, "MatMulAddTo "+what, c0.Data(), wantAdd, 1e-12)
			}
		}
	}
}

func TestMatMulPanics(t *testing.T) {
	cases := []struct {
		a, b           []int
		transA, transB bool
		wants          []string
	}{
		{[]int{2, 3}, []int{4, 5}, false, false, []string{"inner dimensions 3 and 4"}},
		{[]int{2, 3}, []int{2, 3}, false, false, []string{"inner"}},
		{[]int{2, 3}, []int{2, 3}, true, true, []string{"inner dimensions 2 and 3"}},
		{[]int{3}, []int{3, 2}, false, false, []string{"2 dimensions"}},
		{[]int{2, 3}, nil, false, false, []string{"2 dimensions"}},
		{[]int{2, 2, 3}, []int{3, 3, 4}, false, false, []string{"batch"}},
		{[]int{2, 2, 3}, []int{1, 3, 4}, false, false, []string{"batch"}},
		{[]int{2, 2, 2, 3}, []int{2, 3, 4}, false, false, []string{"batch"}},
	}
	for _, c := range cases {
		what := fmt.Sprintf("MatMulT(%v, %v, %v, %v)", c.a, c.b, c.transA, c.transB)
		a, b := Zeros(c.a...), Zeros(c.b...)
		wants := append([]string{"tensor: MatMul", fmt.Sprint(c.a), fmt.Sprint(c.b)}, c.wants...)
		testutil.MustPanic(t, what, func() { MatMulT(a, b, c.transA, c.transB) }, wants...)
		testutil.MustPanic(t, "MatMulShape", func() { MatMulShape(c.a, c.b, c.transA, c.transB) }, wants...)
	}
	a, b := Zeros(2, 3), Zeros(3, 4)
	for _, ds := range [][]int{{4, 2}, {8}, {1, 2, 4}} {
		dst := Full(7, ds...)
		testutil.MustPanic(t, fmt.Sprintf("MatMulTo dst %v", ds), func() { MatMulTo(dst, a, b, false, false) },
			"tensor: MatMul", "destination shape", fmt.Sprint(ds), "[2 4]")
		testutil.MustPanic(t, fmt.Sprintf("MatMulAddTo dst %v", ds), func() { MatMulAddTo(dst, a, b, false, false) },
			"tensor: MatMul", "destination shape", fmt.Sprint(ds), "[2 4]")
		for _, v := range dst.Data() {
			if v != 7 {
				t.Fatal("a destination of the wrong shape was modified")
			}
		}
	}
	testutil.MustPanic(t, "MatMulAddTo nil", func() { MatMulAddTo(nil, a, b, false, false) }, "tensor: MatMulAdd", "nil")
}

func TestTranspose(t *testing.T) {
	rng := newRNG(12)
	for _, shape := range [][]int{{1, 1}, {2, 3}, {3, 2}, {1, 7}, {33, 70}, {65, 64}, {4, 2, 3}, {2, 2, 5, 3}, {0, 3}, {3, 0}, {0, 2, 3}} {
		x := randNormal(rng, shape...)
		x0 := x.Clone()
		n := len(shape)
		wantShape := append([]int(nil), shape...)
		wantShape[n-1], wantShape[n-2] = shape[n-2], shape[n-1]
		want := make([]float64, x.Size())
		forEachCoord(shape, func(c []int) {
			tc := append([]int(nil), c...)
			tc[n-1], tc[n-2] = c[n-2], c[n-1]
			want[refOffset(wantShape, tc)] = x.Data()[refOffset(shape, c)]
		})
		what := fmt.Sprint(shape)
		ts := TransposedShape(shape)
		checkShapeIs(t, "TransposedShape "+what, ts, wantShape)
		ts[0] = 99
		checkShapeIs(t, "TransposedShape must copy; input "+what, shape, x0.Shape())

		got := Transpose(x)
		checkShapeIs(t, "Transpose "+what, got.Shape(), wantShape)
		checkData(t, "Transpose "+what, got.Data(), want)
		dst := nanFilled(wantShape...)
		if TransposeTo(dst, x) != dst {
			t.Fatal("TransposeTo did not return dst")
		}
		checkData(t, "TransposeTo "+what, dst.Data(), want)
		checkData(t, "Transpose twice "+what, Transpose(got).Data(), x.Data())
		if !Equal(x, x0) {
			t.Fatalf("Transpose %s modified its input", what)
		}
	}
	sq := Zeros(3, 3)
	testutil.MustPanic(t, "TransposeTo(x, x)", func() { TransposeTo(sq, sq) }, "tensor: Transpose", "shares storage")
	r := Zeros(2, 3)
	testutil.MustPanic(t, "TransposeTo(view of x, x)", func() { TransposeTo(Reshape(r, 3, 2), r) }, "tensor: Transpose", "shares storage")
	testutil.MustPanic(t, "Transpose of a vector", func() { Transpose(Zeros(3)) }, "tensor: Transpose", "[3]")
	testutil.MustPanic(t, "TransposedShape of a scalar", func() { TransposedShape(nil) }, "tensor: Transpose", "[]")
	testutil.MustPanic(t, "TransposeTo dst", func() { TransposeTo(Zeros(2, 3), Zeros(2, 3)) },
		"tensor: Transpose", "destination shape", "[2 3]", "[3 2]")
}

// TestMatMulTransposeConsistent checks MatMulT against MatMul of explicit
// transposes, tying the two code paths together.
func TestMatMulTransposeConsistent(t *testing.T) {
	rng := newRNG(13)
	a, b := randNormal(rng, 2, 5, 3), randNormal(rng, 2, 4, 5)
	// (aᵀ bᵀ) = (b a)ᵀ
	lhs := MatMulT(a, b, true, true)
	rhs := Transpose(MatMul(b, a))
	checkClose(t, "aᵀbᵀ = (ba)ᵀ", lhs.Data(), rhs.Data(), 1e-12)
	checkClose(t, "MatMulT(a, b, true, true)", lhs.Data(), MatMul(Transpose(a), Transpose(b)).Data(), 1e-12)
}
