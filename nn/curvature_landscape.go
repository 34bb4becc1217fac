package nn

import (
	"math"
	"math/rand/v2"
)

// FilterNormalized returns a random direction in parameter space (in the
// order of Flatten) scaled filter by filter to the size of the parameters,
// as Li, Xu, Taylor, Studer & Goldstein propose for plotting loss
// landscapes ("Visualizing the loss landscape of neural nets", NeurIPS
// 2018): Gaussian entries, then each filter's part rescaled to the norm of
// the same filter of the parameters, so that a step of α along it changes
// every unit by the same relative amount, whatever the scale of its
// weights. A filter is a column (one output unit) of a 2-D weight [in,
// out], a slice along the first axis of a tensor of higher rank; biases and
// other 1-D parameters get no component, as in that paper. Pass it to
// hvp.Line or hvp.Plane with NewObjective's objective. It costs one draw
// per parameter.
func FilterNormalized(rng *rand.Rand, params []*Param) []float64 {
	if rng == nil {
		panic("nn: FilterNormalized: nil rng")
	}
	d := make([]float64, NumParams(params))
	off := 0
	for _, p := range params {
		w := p.Value.Data()
		seg := d[off : off+len(w)]
		off += len(w)
		shape := p.Value.Shape()
		if len(shape) < 2 {
			continue
		}
		for i := range seg {
			seg[i] = rng.NormFloat64()
		}
		// filter k of nf consists of the indices idx(k, 0..size-1).
		var nf, size int
		var idx func(k, i int) int
		if len(shape) == 2 {
			in, out := shape[0], shape[1]
			nf, size = out, in
			idx = func(k, i int) int { return i*out + k }
		} else {
			nf, size = shape[0], len(w)/shape[0]
			idx = func(k, i int) int { return k*size + i }
		}
		for k := 0; k < nf; k++ {
			var dn, wn float64
			for i := 0; i < size; i++ {
				j := idx(k, i)
				dn += seg[j] * seg[j]
				wn += w[j] * w[j]
			}
			s := 0.0
			if dn > 0 {
				s = math.Sqrt(wn / dn)
			}
			for i := 0; i < size; i++ {
				seg[idx(k, i)] *= s
			}
		}
	}
	return d
}
