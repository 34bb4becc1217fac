package nn_test

import (
	"testing"

	"github.com/curvature-go/curvature/ad"
	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/internal/testutil"
	"github.com/curvature-go/curvature/nn"
	"github.com/curvature-go/curvature/tensor"
)

// TestCurvatureMatchesFlatPath checks nn.Curvature (one variable per
// tensor) against the flat LossFunc path and against central differences
// of the gradient, for each loss, with a bias broadcast over the batch.
func TestCurvatureMatchesFlatPath(t *testing.T) {
	rng := newRNG(3)
	for _, tc := range []struct {
		name string
		loss nn.Loss
		y    *tensor.Tensor
	}{
		{"MSE", nn.MSE, tensor.RandNormal(rng, 7, 3)},
		{"CrossEntropy", nn.CrossEntropy, labels(rng, 7, 3)},
		{"BCEWithLogits", nn.BCEWithLogits, probs(rng, 7, 3)},
	} {
		m := nn.NewMLP(newRNG(4), nn.Tanh, 4, 5, 3)
		d := nn.NewDataset(tensor.RandNormal(rng, 7, 4), tc.y)
		p := nn.Curvature(m, tc.loss, d)
		theta := nn.Flatten(m.Params())
		flat := nn.LossFunc(m, tc.loss, d.X, d.Y)
		val, grad := ad.ValueAndGrad(flat, theta)
		if relErr(p.Value(), val) > 1e-14 || maxRelErr(p.Grad(nil), grad) > 1e-14 {
			t.Errorf("%s: value or gradient differs from the flat path", tc.name)
		}
		v := tensor.RandNormal(rng, len(theta)).Data()
		hv := p.HVP(v, nil)
		if e := maxRelErr(hv, hvp.HVP(flat, theta, v)); e > 1e-13 {
			t.Errorf("%s: HVP differs from the flat path by %g", tc.name, e)
		}
		// Central difference of the gradient along v.
		const h = 1e-5
		xp, xm := append([]float64(nil), theta...), append([]float64(nil), theta...)
		for i := range v {
			xp[i] += h * v[i]
			xm[i] -= h * v[i]
		}
		_, gp := ad.ValueAndGrad(flat, xp)
		_, gm := ad.ValueAndGrad(flat, xm)
		fd := make([]float64, len(v))
		for i := range fd {
			fd[i] = (gp[i] - gm[i]) / (2 * h)
		}
		if e := maxRelErr(hv, fd); e > 1e-7 {
			t.Errorf("%s: HVP differs from central differences by %g", tc.name, e)
		}
		if e := maxRelErr(nn.HVP(m, tc.loss, d, v), hv); e != 0 {
			t.Errorf("%s: nn.HVP differs from Curvature by %g", tc.name, e)
		}
	}
	mustPanic(t, "nil loss", "Curvature", func() { nn.Curvature(nn.NewMLP(newRNG(1), nn.Tanh, 2, 2), nil, nil) })
}

// BenchmarkCurvatureQuery times one curvature query on the MLP
// 784-256-256-10 with batch 128, cross-entropy: record the point and run 10
// Lanczos steps for λ_max, through nn.Curvature and through the best
// hand-assembled path (hvp.AtN on a function of one variable per tensor,
// written out here). It reports nn/hand, the ratio of their times measured
// alternately in the same loop.
func BenchmarkCurvatureQuery(b *testing.B) {
	c := benchNets[0]
	x, y := benchData(c.sizes, c.batch, c.loss)
	m := nn.NewMLP(newRNG(1), nn.Tanh, c.sizes...)
	d := nn.NewDataset(x, y)
	params := m.Params()
	values := make([]*tensor.Tensor, len(params))
	for i, p := range params {
		values[i] = p.Value
	}
	hand := func(ws []*graph.Node) *graph.Node {
		return nn.CrossEntropy(m.Forward(ws, ws[0].Tape().Const(x)), y)
	}
	ls := &hvp.LanczosSettings{Which: hvp.Largest, MaxHVPs: 10, Tol: 1e-300}
	query := func(p *hvp.Point) {
		if _, err := hvp.Lanczos(p, ls); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	t := testutil.TimeEach(b,
		func() { query(nn.Curvature(m, c.loss, d)) },
		func() { query(hvp.AtN(hand, values)) })
	b.ReportMetric(t[0]/t[1], "nn/hand")
	b.ReportMetric(t[0]/1e6, "ms/nn-query")
}
