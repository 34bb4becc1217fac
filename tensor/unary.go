package tensor

import (
	"fmt"
	"math"

	"github.com/curvature-go/curvature/tensor/internal/vec"
)

// UnaryOp names an elementwise function of one argument.
type UnaryOp uint8

// The elementwise functions of one argument.
const (
	OpNeg      UnaryOp = iota // −x
	OpExp                     // eˣ
	OpLog                     // natural logarithm
	OpSqrt                    // √x
	OpTanh                    // hyperbolic tangent
	OpSigmoid                 // 1/(1+e⁻ˣ)
	OpRelu                    // max(x, 0) (NaN for NaN)
	OpSoftplus                // log(1+eˣ), computed without overflow
	OpSin                     // sine
	OpCos                     // cosine
	OpAbs                     // |x|
	OpSquare                  // x²
	OpSign                    // −1, 0 or 1 (NaN for NaN)
	OpStep                    // 1 where x > 0, else 0: the derivative of Relu
	OpRecip                   // 1/x
	OpAtan                    // arctangent, in (−π/2, π/2)
	OpLog1p                   // log(1+x), accurate for small x
	OpExpm1                   // eˣ − 1, accurate for small x
	OpErf                     // the error function 2/√π ∫₀ˣ e^(−t²) dt
)

var unaryNames = [...]string{"Neg", "Exp", "Log", "Sqrt", "Tanh", "Sigmoid", "Relu", "Softplus",
	"Sin", "Cos", "Abs", "Square", "Sign", "Step", "Recip",
	"Atan", "Log1p", "Expm1", "Erf"}

// unaryOpNames holds the names used in panic messages, built once so that
// ApplyTo does not allocate a string per call.
var unaryOpNames = func() (s [len(unaryNames)]string) {
	for i, n := range unaryNames {
		s[i] = "tensor: " + n
	}
	return s
}()

// String returns the function's name.
func (op UnaryOp) String() string {
	if int(op) < len(unaryNames) {
		return unaryNames[op]
	}
	return "UnaryOp(?)"
}

// Apply returns op applied to every element of x.
func Apply(op UnaryOp, x *Tensor) *Tensor { return ApplyTo(op, nil, x) }

// ApplyTo sets dst = op(x) elementwise and returns dst. A nil dst is
// allocated; otherwise it must have x's shape (dst may be x).
func ApplyTo(op UnaryOp, dst, x *Tensor) *Tensor {
	name := "tensor: Apply"
	if int(op) < len(unaryOpNames) {
		name = unaryOpNames[op]
	}
	dst = prepareDst(name, dst, x.shape)
	unaryKernel(op, dst.data, x.data[:len(dst.data)])
	return dst
}

// Neg returns −x.
func Neg(x *Tensor) *Tensor { return ApplyTo(OpNeg, nil, x) }

// Exp returns eˣ elementwise.
func Exp(x *Tensor) *Tensor { return ApplyTo(OpExp, nil, x) }

// Log returns the natural logarithm elementwise.
func Log(x *Tensor) *Tensor { return ApplyTo(OpLog, nil, x) }

// Sqrt returns √x elementwise.
func Sqrt(x *Tensor) *Tensor { return ApplyTo(OpSqrt, nil, x) }

// Tanh returns tanh(x) elementwise.
func Tanh(x *Tensor) *Tensor { return ApplyTo(OpTanh, nil, x) }

// Sigmoid returns 1/(1+e⁻ˣ) elementwise.
func Sigmoid(x *Tensor) *Tensor { return ApplyTo(OpSigmoid, nil, x) }

// Relu returns max(x, 0) elementwise; NaN stays NaN.
func Relu(x *Tensor) *Tensor { return ApplyTo(OpRelu, nil, x) }

// Softplus returns log(1+eˣ) elementwise, without overflow for large x.
func Softplus(x *Tensor) *Tensor { return ApplyTo(OpSoftplus, nil, x) }

// Sin returns sin(x) elementwise.
func Sin(x *Tensor) *Tensor { return ApplyTo(OpSin, nil, x) }

// Cos returns cos(x) elementwise.
func Cos(x *Tensor) *Tensor { return ApplyTo(OpCos, nil, x) }

// Abs returns |x| elementwise.
func Abs(x *Tensor) *Tensor { return ApplyTo(OpAbs, nil, x) }

// Square returns x² elementwise.
func Square(x *Tensor) *Tensor { return ApplyTo(OpSquare, nil, x) }

func unaryKernel(op UnaryOp, out, x []float64) {
	switch op {
	case OpNeg:
		vec.Scale(out, -1, x) // −1·x is −x exactly, ±0 and ±Inf included
	case OpExp:
		vecExp(out, x)
	case OpLog:
		vecLog(out, x)
	case OpSqrt:
		for i, v := range x {
			out[i] = math.Sqrt(v)
		}
	case OpTanh:
		vecTanh(out, x)
	case OpSigmoid:
		vecSigmoid(out, x)
	case OpRelu:
		vec.Relu(out, x) // NaN propagates
	case OpSoftplus:
		for i, v := range x {
			out[i] = softplus(v)
		}
	case OpSin:
		for i, v := range x {
			out[i] = math.Sin(v)
		}
	case OpCos:
		for i, v := range x {
			out[i] = math.Cos(v)
		}
	case OpAbs:
		for i, v := range x {
			out[i] = math.Abs(v)
		}
	case OpSquare:
		vec.Square(out, x)
	case OpSign:
		for i, v := range x {
			switch {
			case v > 0:
				out[i] = 1
			case v < 0:
				out[i] = -1
			case v == 0:
				out[i] = 0
			default:
				out[i] = v
			}
		}
	case OpStep:
		vec.Step(out, 1, x)
	case OpRecip:
		vec.ScalarDiv(out, 1, x)
	case OpAtan:
		for i, v := range x {
			out[i] = math.Atan(v)
		}
	case OpLog1p:
		for i, v := range x {
			out[i] = math.Log1p(v)
		}
	case OpExpm1:
		for i, v := range x {
			out[i] = math.Expm1(v)
		}
	case OpErf:
		for i, v := range x {
			out[i] = math.Erf(v)
		}
	default:
		panic(fmt.Sprintf("tensor: Apply: unknown UnaryOp %d", uint8(op)))
	}
}

func softplus(v float64) float64 {
	// log(1+eˣ) = max(x,0) + log1p(e^−|x|): no overflow, no cancellation.
	return math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v)))
}

// Scale returns c·x.
func Scale(x *Tensor, c float64) *Tensor { return ScaleTo(nil, x, c) }

// ScaleTo sets dst = c·x and returns dst (a nil dst is allocated).
func ScaleTo(dst, x *Tensor, c float64) *Tensor {
	dst = prepareDst("tensor: Scale", dst, x.shape)
	vec.Scale(dst.data, c, x.data)
	return dst
}

// AddScalar returns x + c.
func AddScalar(x *Tensor, c float64) *Tensor { return AddScalarTo(nil, x, c) }

// AddScalarTo sets dst = x + c and returns dst (a nil dst is allocated).
func AddScalarTo(dst, x *Tensor, c float64) *Tensor {
	dst = prepareDst("tensor: AddScalar", dst, x.shape)
	vec.AddScalar(dst.data, x.data, c)
	return dst
}

// ScalarSubTo sets dst = c − x elementwise and returns dst (a nil dst is
// allocated); dst may be x. One pass, split over the cores for a large x.
func ScalarSubTo(dst *Tensor, c float64, x *Tensor) *Tensor {
	dst = prepareDst("tensor: ScalarSub", dst, x.shape)
	vec.ScalarSub(dst.data, c, x.data)
	return dst
}

// Pow returns x raised elementwise to the constant power p.
func Pow(x *Tensor, p float64) *Tensor { return PowTo(nil, x, p) }

// PowTo sets dst = x^p elementwise and returns dst (a nil dst is allocated).
// The powers 2, 1, 0, −1 and ½ take fast paths that agree with math.Pow,
// including at NaN, ±Inf and ±0, except that x² and 1/x are correctly
// rounded where the result is subnormal (math.Pow may be 1 ulp off there).
func PowTo(dst, x *Tensor, p float64) *Tensor {
	dst = prepareDst("tensor: Pow", dst, x.shape)
	out, in := dst.data, x.data[:len(dst.data)]
	switch p {
	case 2:
		vec.Square(out, in)
	case 1:
		copy(out, in)
	case 0:
		fill(out, 1)
	case -1:
		vec.ScalarDiv(out, 1, in)
	case 0.5:
		// math.Pow(x, ½) is √x except at −0 (+0, not −0) and −Inf
		// (+Inf, not NaN), following IEEE 754 pow.
		for i, v := range in {
			switch {
			case v == 0:
				out[i] = 0
			case math.IsInf(v, -1):
				out[i] = math.Inf(1)
			default:
				out[i] = math.Sqrt(v)
			}
		}
	default:
		for i, v := range in {
			out[i] = math.Pow(v, p)
		}
	}
	return dst
}
