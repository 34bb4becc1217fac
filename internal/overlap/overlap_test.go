package overlap

import "testing"

func TestDisjoint(t *testing.T) {
	buf := make([]float64, 10)
	other := make([]float64, 3)
	for _, c := range []struct {
		name string
		a, b []float64
		want bool
	}{
		{"separate allocations", buf, other, true},
		{"adjacent halves", buf[:5], buf[5:], true},
		{"one shared element", buf[:5], buf[4:], false},
		{"same slice", buf, buf, false},
		{"contained", buf, buf[3:4], false},
		{"empty", buf[:0], buf, true},
		{"nil", nil, buf, true},
	} {
		if got := Disjoint(c.a, c.b); got != c.want {
			t.Errorf("%s: Disjoint = %v, want %v", c.name, got, c.want)
		}
		if got := Disjoint(c.b, c.a); got != c.want {
			t.Errorf("%s (swapped): Disjoint = %v, want %v", c.name, got, c.want)
		}
	}
}
