package tensor

import (
	"math/rand/v2"
	"testing"
)

// TestMulScaledPairTo checks MulScaledPairTo against MulScaledTo followed
// by MulScaledAccTo (bit for bit), into a fresh and an aliased
// destination, and its panic on mismatched shapes.
func TestMulScaledPairTo(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for _, shape := range [][]int{{}, {7}, {3, 5}} {
		a, b, c, d := randNormal(rng, shape...), randNormal(rng, shape...), randNormal(rng, shape...), randNormal(rng, shape...)
		want := MulScaledTo(nil, 2, a, b)
		MulScaledAccTo(want, 2, c, d)
		got := MulScaledPairTo(nil, 2, a, b, c, d)
		checkData(t, "MulScaledPairTo", got.Data(), want.Data())
		cc := c.Clone()
		MulScaledPairTo(cc, 2, a, b, cc, d)
		checkData(t, "MulScaledPairTo into c", cc.Data(), want.Data())
	}
	defer func() {
		if recover() == nil {
			t.Error("MulScaledPairTo: no panic on mismatched shapes")
		}
	}()
	MulScaledPairTo(nil, 1, Zeros(2), Zeros(2), Zeros(3), Zeros(2))
}
