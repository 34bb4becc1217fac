package graph

import (
	"github.com/curvature-go/curvature/tensor"
)

// ---- Softmax family ----
//
// These are compositions of recorded ops, so their derivatives of every
// order come from the primitives' rules. The shift by the maximum is a
// constant: it changes nothing mathematically and keeps exp from
// overflowing.

// LogSumExp records log Σ exp(x) along axis, computed stably.
func LogSumExp(x *Node, axis int, keepDims bool) *Node {
	checkAxis("LogSumExp", x, axis)
	m := x.tape.constOwned(tensor.MaxAxis(x.val(), axis, true))
	s := SumAxis(Exp(Sub(x, m)), axis, true)
	out := Add(Log(s), m)
	if !keepDims {
		out = Reshape(out, tensor.ReducedShape(x.Shape(), axis, false)...)
	}
	return out
}

// LogSoftmax records x − LogSumExp(x) along axis: log-probabilities. It is
// computed as (x − m) − log Σ exp(x − m) with m the maximum, not as
// x − (m + log Σ ...), whose rounding at |x| ≫ 1 would cost about |x|·ε.
func LogSoftmax(x *Node, axis int) *Node {
	checkAxis("LogSoftmax", x, axis)
	z := Sub(x, x.tape.constOwned(tensor.MaxAxis(x.val(), axis, true)))
	return Sub(z, Log(SumAxis(Exp(z), axis, true)))
}

// Softmax records exp(x)/Σexp(x) along axis. Along the last axis it is
// one op (a shift by each row's maximum, one exp per element and a
// normalisation); along another, Exp of LogSoftmax.
func Softmax(x *Node, axis int) *Node {
	checkAxis("Softmax", x, axis)
	if r := len(x.Shape()); axis == -1 || axis == r-1 {
		return softmaxLast(x, nil, nil)
	}
	return Exp(LogSoftmax(x, axis))
}
