package vecmath

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
)

// The Remez exchange algorithm (E. Ya. Remez, 1934; see e.g. J.-M. Muller,
// "Elementary Functions", ch. 3) for the best polynomial approximation of
// degree n to f on [a, b] in the relative-error sense: find p minimising
// max |p(x) − f(x)| / |f(x)|. The optimum equioscillates at n+2 points, so
// the algorithm alternates between
//
//  1. solving the linear system p(x_j) − f(x_j) = (−1)^j·E·|f(x_j)|,
//     j = 0..n+1, for the n+1 coefficients and the level E, and
//  2. moving the reference points x_j to the n+2 alternating extrema of the
//     error curve (found on a dense Chebyshev grid and refined by
//     golden-section search),
//
// until the extrema are level. All arithmetic is in bigPrec-bit math/big, so
// the error curve (around 1e−20) is resolved exactly enough; the
// coefficients are rounded to float64 only at the end.

// remezSpec describes one approximation problem.
type remezSpec struct {
	name string
	a, b float64 // interval
	deg  int     // polynomial degree
	f    func(*big.Float) *big.Float
	// effect maps the variable x, the target value f(x) and the absolute
	// approximation error p(x) − f(x) to the relative error it causes in the
	// final function (e^r, tanh x, log(1+f)). Used only for reporting.
	effect func(x, fx, d *big.Float) *big.Float
}

// remezResult is a converged approximation.
type remezResult struct {
	coef   []float64 // float64-rounded coefficients, constant term first
	level  float64   // levelled relative error of the unrounded optimum
	relErr float64   // max relative error of the rounded polynomial (dense grid)
	effErr float64   // max relative error it causes in the final function
}

// bigPoly evaluates Σ c_k x^k by Horner's rule in big precision.
func bigPoly(c []*big.Float, x *big.Float) *big.Float {
	p := bnew().Set(c[len(c)-1])
	for k := len(c) - 2; k >= 0; k-- {
		p.Mul(p, x)
		p.Add(p, c[k])
	}
	return p
}

// relErrAt returns (p(x) − f(x))/|f(x)| as a float64.
func relErrAt(c []*big.Float, f func(*big.Float) *big.Float, x float64) float64 {
	bx := bf(x)
	fx := f(bx)
	d := bnew().Sub(bigPoly(c, bx), fx)
	d.Quo(d, bnew().Abs(fx))
	v, _ := d.Float64()
	return v
}

// solveBig solves the dense system A·u = y by Gaussian elimination with
// partial pivoting, in place.
func solveBig(A [][]*big.Float, y []*big.Float) ([]*big.Float, error) {
	n := len(y)
	for col := 0; col < n; col++ {
		piv := col
		for r := col + 1; r < n; r++ {
			if bnew().Abs(A[r][col]).Cmp(bnew().Abs(A[piv][col])) > 0 {
				piv = r
			}
		}
		if A[piv][col].Sign() == 0 {
			return nil, fmt.Errorf("singular system")
		}
		A[col], A[piv] = A[piv], A[col]
		y[col], y[piv] = y[piv], y[col]
		for r := col + 1; r < n; r++ {
			m := bnew().Quo(A[r][col], A[col][col])
			for k := col; k < n; k++ {
				A[r][k].Sub(A[r][k], bnew().Mul(m, A[col][k]))
			}
			y[r].Sub(y[r], bnew().Mul(m, y[col]))
		}
	}
	u := make([]*big.Float, n)
	for r := n - 1; r >= 0; r-- {
		s := bnew().Set(y[r])
		for k := r + 1; k < n; k++ {
			s.Sub(s, bnew().Mul(A[r][k], u[k]))
		}
		u[r] = s.Quo(s, A[r][r])
	}
	return u, nil
}

// chebGrid returns n Chebyshev–Lobatto points on [a, b], ascending.
func chebGrid(a, b float64, n int) []float64 {
	g := make([]float64, n)
	mid, half := (a+b)/2, (b-a)/2
	for i := range g {
		g[i] = mid - half*math.Cos(math.Pi*float64(i)/float64(n-1))
	}
	g[0], g[n-1] = a, b
	return g
}

// goldenMax returns the point of [lo, hi] maximising |g| (g unimodal there).
func goldenMax(g func(float64) float64, lo, hi float64) (float64, float64) {
	const inv = 0.6180339887498949
	x1 := hi - inv*(hi-lo)
	x2 := lo + inv*(hi-lo)
	g1, g2 := math.Abs(g(x1)), math.Abs(g(x2))
	for i := 0; i < 60 && hi-lo > 1e-12*math.Max(math.Abs(lo), math.Abs(hi))+1e-300; i++ {
		if g1 < g2 {
			lo, x1, g1 = x1, x2, g2
			x2 = lo + inv*(hi-lo)
			g2 = math.Abs(g(x2))
		} else {
			hi, x2, g2 = x2, x1, g1
			x1 = hi - inv*(hi-lo)
			g1 = math.Abs(g(x1))
		}
	}
	if g1 > g2 {
		return x1, g1
	}
	return x2, g2
}

// remez runs the exchange algorithm for spec.
func remez(spec remezSpec) (remezResult, error) {
	n := spec.deg
	m := n + 2
	const gridN = 1500
	grid := chebGrid(spec.a, spec.b, gridN)
	fgrid := make([]*big.Float, gridN)
	for i, x := range grid {
		fgrid[i] = spec.f(bf(x))
	}
	ref := chebGrid(spec.a, spec.b, m)

	var coef []*big.Float
	level := 0.0
	for iter := 0; ; iter++ {
		if iter == 60 {
			return remezResult{}, fmt.Errorf("%s: Remez did not converge", spec.name)
		}
		// 1. Solve for the coefficients and the level E.
		A := make([][]*big.Float, m)
		y := make([]*big.Float, m)
		for j, x := range ref {
			bx := bf(x)
			fx := spec.f(bx)
			row := make([]*big.Float, m)
			p := bf(1)
			for k := 0; k <= n; k++ {
				row[k] = bnew().Set(p)
				p.Mul(p, bx)
			}
			e := bnew().Abs(fx)
			if j%2 == 1 {
				e.Neg(e)
			}
			row[n+1] = e
			A[j] = row
			y[j] = fx
		}
		u, err := solveBig(A, y)
		if err != nil {
			return remezResult{}, fmt.Errorf("%s: %v", spec.name, err)
		}
		coef = u[:n+1]
		level, _ = bnew().Abs(u[n+1]).Float64()

		// 2. Locate the extrema of the error curve: one per run of constant
		// sign on the grid, refined by golden-section search.
		eg := make([]float64, gridN)
		for i, x := range grid {
			d := bnew().Sub(bigPoly(coef, bf(x)), fgrid[i])
			d.Quo(d, bnew().Abs(fgrid[i]))
			eg[i], _ = d.Float64()
		}
		errAt := func(x float64) float64 { return relErrAt(coef, spec.f, x) }
		type ext struct{ x, e float64 }
		var exts []ext
		for i := 0; i < gridN; {
			j, best := i, i
			for j < gridN && (eg[j] >= 0) == (eg[i] >= 0) {
				if math.Abs(eg[j]) > math.Abs(eg[best]) {
					best = j
				}
				j++
			}
			x, e := grid[best], eg[best]
			if best > 0 && best < gridN-1 {
				xr, _ := goldenMax(errAt, grid[best-1], grid[best+1])
				if er := errAt(xr); math.Abs(er) > math.Abs(e) {
					x, e = xr, er
				}
			}
			exts = append(exts, ext{x, e})
			i = j
		}
		for len(exts) > m {
			if math.Abs(exts[0].e) < math.Abs(exts[len(exts)-1].e) {
				exts = exts[1:]
			} else {
				exts = exts[:len(exts)-1]
			}
		}
		if len(exts) < m {
			return remezResult{}, fmt.Errorf("%s: error curve has %d alternations, want %d", spec.name, len(exts), m)
		}
		lo, hi := math.Inf(1), 0.0
		for j, e := range exts {
			ref[j] = e.x
			lo = math.Min(lo, math.Abs(e.e))
			hi = math.Max(hi, math.Abs(e.e))
		}
		if hi-lo <= 1e-6*hi {
			break
		}
	}

	// Round to float64 and measure what the rounded polynomial achieves.
	res := remezResult{level: level, coef: make([]float64, n+1)}
	rc := make([]*big.Float, n+1)
	for k, c := range coef {
		res.coef[k], _ = c.Float64()
		rc[k] = bf(res.coef[k])
	}
	for _, x := range chebGrid(spec.a, spec.b, 6000) {
		bx := bf(x)
		fx := spec.f(bx)
		d := bnew().Sub(bigPoly(rc, bx), fx)
		rel, _ := bnew().Quo(d, bnew().Abs(fx)).Float64()
		eff, _ := spec.effect(bx, fx, d).Float64()
		res.relErr = math.Max(res.relErr, math.Abs(rel))
		res.effErr = math.Max(res.effErr, math.Abs(eff))
	}
	return res, nil
}

// Relative error of the final function caused by an error d in the
// polynomial, for each approximation (see doc.go for the formulas).

// e^r = 1 + r + r²·Q: relative error r²·d/e^r.
func expEffect(r, q, d *big.Float) *big.Float {
	r2 := bnew().Mul(r, r)
	er := bnew().Add(bnew().Add(bint(1), r), bnew().Mul(r2, q))
	return bnew().Quo(bnew().Mul(r2, d), er)
}

// log(1+f) = 2s + s·z·S, z = s²: relative error z·d/(2 + z·S).
func logEffect(z, s, d *big.Float) *big.Float {
	den := bnew().Add(bint(2), bnew().Mul(z, s))
	return bnew().Quo(bnew().Mul(z, d), den)
}

// The approximation problems. The intervals cover the reduced arguments with
// a small margin (see doc.go).
func remezSpecs() []remezSpec {
	return []remezSpec{
		{name: "expQ", a: -0.3466, b: 0.3466, deg: expQDeg, f: expQTarget, effect: expEffect},
		{name: "logS", a: 0, b: 0.0295, deg: logSDeg, f: logSTarget, effect: logEffect},
	}
}

// Polynomial degrees. The Remez level falls by about 2^−6 (exp) and 2^−7
// (log) per degree; these are the smallest degrees at which the error
// contributed to the final function is below 2^−60 once the coefficients
// are rounded to float64 (see TestCoefficients' log).
const (
	expQDeg = 10
	logSDeg = 7
)

var update = flag.Bool("update", false, "rewrite coeffs.go and coeffs_amd64.s from the Remez derivation")

// TestCoefficients re-derives every constant of coeffs.go and
// coeffs_amd64.s and checks that the files on disk are exactly what the
// derivation produces (run with -update to rewrite them). It also checks
// that each rounded polynomial contributes a relative error below 2^−60 to
// its function.
func TestCoefficients(t *testing.T) {
	if testing.Short() && !*update {
		t.Skip("the Remez derivation takes a few seconds")
	}
	goSrc, asmSrc, results, err := generateCoefficients()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		t.Logf("%s: degree %d, Remez level 2^%.1f, rounded 2^%.1f, in the function 2^%.1f",
			r.spec.name, r.spec.deg, math.Log2(r.level), math.Log2(r.relErr), math.Log2(r.effErr))
		if r.effErr > 0x1p-60 {
			t.Errorf("%s: polynomial error 2^%.1f in the function exceeds 2^-60", r.spec.name, math.Log2(r.effErr))
		}
		if r.spec.name == "expQ" && r.coef[0] != 0.5 {
			t.Errorf("expQ0 = %v; expReduce needs exactly 1/2", r.coef[0])
		}
	}
	files := []struct {
		name string
		src  []byte
	}{{"coeffs.go", goSrc}, {"coeffs_amd64.s", asmSrc}}
	for _, f := range files {
		if *update {
			if err := os.WriteFile(f.name, f.src, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.src) {
			t.Errorf("%s differs from the derivation; run go test -run TestCoefficients -update", f.name)
		}
	}
}

type namedResult struct {
	spec remezSpec
	remezResult
}

// generateCoefficients runs the derivations and renders coeffs.go and
// coeffs_amd64.s.
func generateCoefficients() (goSrc, asmSrc []byte, results []namedResult, err error) {
	ln2 := bigLn2()
	ln2Hi, _ := new(big.Float).SetPrec(40).Set(ln2).Float64()
	ln2Lo, _ := bnew().Sub(ln2, bf(ln2Hi)).Float64()
	log2e, _ := bnew().Quo(bint(1), ln2).Float64()

	var g bytes.Buffer
	fmt.Fprintf(&g, "// Code generated by TestCoefficients (remez_test.go); DO NOT EDIT.\n")
	fmt.Fprintf(&g, "// Regenerate with: go test -run TestCoefficients -update\n\n")
	fmt.Fprintf(&g, "package vecmath\n\n")
	fmt.Fprintf(&g, "// log2e = fl(1/ln 2). ln2Hi is ln 2 rounded to 40 significant bits, so\n")
	fmt.Fprintf(&g, "// k·ln2Hi is exact for |k| < 2^13; ln2Lo = fl(ln 2 − ln2Hi)\n")
	fmt.Fprintf(&g, "// (Cody–Waite argument reduction).\n")
	fmt.Fprintf(&g, "const (\n\tlog2e = %s\n\tln2Hi = %s\n\tln2Lo = %s\n)\n", hexf(log2e), hexf(ln2Hi), hexf(ln2Lo))

	type asmConst struct {
		name string
		bits uint64
	}
	consts := []asmConst{
		{"Log2e", math.Float64bits(log2e)},
		{"Ln2Hi", math.Float64bits(ln2Hi)},
		{"Ln2Lo", math.Float64bits(ln2Lo)},
	}
	docs := map[string]string{
		"expQ": "e^r ≈ 1 + r + r²·Q(r) for |r| ≤ ln 2/2 (with margin). expQ0 is exactly 1/2, which expReduce relies on.",
		"logS": "log(1+f) = 2s + s·z·S(z) with s = f/(2+f), z = s², for f ∈ [√2/2−1, √2−1].",
	}
	for _, spec := range remezSpecs() {
		r, err := remez(spec)
		if err != nil {
			return nil, nil, nil, err
		}
		results = append(results, namedResult{spec, r})
		fmt.Fprintf(&g, "\n// %s: %s\n", spec.name, docs[spec.name])
		fmt.Fprintf(&g, "// Minimax in relative error on [%g, %g], degree %d: Remez level 2^%.1f,\n",
			spec.a, spec.b, spec.deg, math.Log2(r.level))
		fmt.Fprintf(&g, "// 2^%.1f after rounding the coefficients; relative error it adds to the\n", math.Log2(r.relErr))
		fmt.Fprintf(&g, "// function: at most 2^%.1f.\n", math.Log2(r.effErr))
		fmt.Fprintf(&g, "const (\n")
		for k, c := range r.coef {
			fmt.Fprintf(&g, "\t%s%d = %s\n", spec.name, k, hexf(c))
			consts = append(consts, asmConst{fmt.Sprintf("%s%s%d", strings.ToUpper(spec.name[:1]), spec.name[1:], k), math.Float64bits(c)})
		}
		fmt.Fprintf(&g, ")\n")
	}
	fb := math.Float64bits
	consts = append(consts,
		asmConst{"ExpMagic", fb(expMagic)},
		asmConst{"One", fb(1)},
		asmConst{"Two", fb(2)},
		asmConst{"Half", fb(0.5)},
		asmConst{"AbsMask", 1<<63 - 1},
		asmConst{"SignMask", 1 << 63},
		asmConst{"Inf", fb(math.Inf(1))},
		asmConst{"ExpFastMax", fb(expFastMax)},
		asmConst{"ExpOverflowClamp", fb(expOverflowClamp)},
		asmConst{"ExpUnderflowClamp", fb(expUnderflowClamp)},
		asmConst{"TanhSat", fb(tanhSat)},
		asmConst{"SigmoidSat", fb(sigmoidSat)},
		asmConst{"SigmoidFastMin", fb(sigmoidFastMin)},
		asmConst{"LogOffset", logOffset},
		asmConst{"LogExpMask", logExpMask},
		asmConst{"TwoP52Bits", twoP52Bits},
		asmConst{"LogTwoP52Bias", fb(logTwoP52Bias)},
		asmConst{"MinNormal", fb(minNormal)},
		asmConst{"MaxFloat", fb(math.MaxFloat64)},
	)

	var a bytes.Buffer
	fmt.Fprintf(&a, "// Code generated by TestCoefficients (remez_test.go); DO NOT EDIT.\n")
	fmt.Fprintf(&a, "// Regenerate with: go test -run TestCoefficients -update\n\n")
	fmt.Fprintf(&a, "//go:build !purego\n\n#include \"textflag.h\"\n\n")
	fmt.Fprintf(&a, "// The constants of consts.go and coeffs.go, each replicated four times\n")
	fmt.Fprintf(&a, "// (32 bytes) so that AVX2 instructions can take it as a memory operand.\n")
	for _, c := range consts {
		fmt.Fprintf(&a, "\n")
		for i := 0; i < 4; i++ {
			fmt.Fprintf(&a, "DATA ·c%s+%d(SB)/8, $0x%016x\n", c.name, 8*i, c.bits)
		}
		fmt.Fprintf(&a, "GLOBL ·c%s(SB), RODATA|NOPTR, $32\n", c.name)
	}
	src, err := format.Source(g.Bytes())
	if err != nil {
		return nil, nil, nil, err
	}
	return src, a.Bytes(), results, nil
}

// hexf formats v as an exact Go hexadecimal floating-point literal.
func hexf(v float64) string {
	return strconv.FormatFloat(v, 'x', -1, 64)
}
