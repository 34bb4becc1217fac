package tensor

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// FromDense returns a 2-D tensor holding a copy of m's elements.
func FromDense(m mat.Matrix) *Tensor {
	r, c := m.Dims()
	t := Zeros(r, c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			t.data[i*c+j] = m.At(i, j)
		}
	}
	return t
}

// FromVec returns a 1-D tensor holding a copy of v's elements.
func FromVec(v mat.Vector) *Tensor {
	t := Zeros(v.Len())
	for i := range t.data {
		t.data[i] = v.AtVec(i)
	}
	return t
}

// ToDense returns a copy of a 2-D tensor as a *mat.Dense (a 1-D tensor
// becomes a column, a scalar 1×1). Later changes to either do not affect
// the other. It panics if t has more than two dimensions or no elements
// (a mat.Dense cannot be empty).
func ToDense(t *Tensor) *mat.Dense {
	if len(t.data) == 0 {
		panic(fmt.Sprintf("tensor: ToDense: shape %v has no elements", t.shape))
	}
	d := make([]float64, len(t.data))
	copy(d, t.data)
	switch len(t.shape) {
	case 0:
		return mat.NewDense(1, 1, d)
	case 1:
		return mat.NewDense(t.shape[0], 1, d)
	case 2:
		return mat.NewDense(t.shape[0], t.shape[1], d)
	}
	panic(fmt.Sprintf("tensor: ToDense: shape %v is not a matrix", t.shape))
}

// ToVecDense returns a copy of t's elements, in row-major order, as a
// *mat.VecDense. It panics if t has no elements (a mat.VecDense cannot be
// empty).
func ToVecDense(t *Tensor) *mat.VecDense {
	if len(t.data) == 0 {
		panic(fmt.Sprintf("tensor: ToVecDense: shape %v has no elements", t.shape))
	}
	d := make([]float64, len(t.data))
	copy(d, t.data)
	return mat.NewVecDense(len(d), d)
}
