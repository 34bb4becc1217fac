package optim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/curvature-go/curvature/ad/hvp"
	"github.com/curvature-go/curvature/graph"
	"github.com/curvature-go/curvature/optim"
)

// TestMinimizeReportsAnomaly: with the objective's anomaly detection on, a
// run that stops on a non-finite value says which operation produced it.
func TestMinimizeReportsAnomaly(t *testing.T) {
	f := func(x *graph.Node) *graph.Node { return graph.Sum(graph.Log(x)) } // −Inf at 0, NaN below
	obj := hvp.NewObjective(f, 2)
	obj.DetectAnomalies(true)
	var _ optim.AnomalyReporter = obj
	res, err := optim.Minimize(obj, []float64{0, 1}, optim.LBFGS{}, nil)
	if res.Status != optim.NonFinite || !errors.Is(err, optim.ErrNonFinite) {
		t.Fatalf("status %v, error %v; want NonFinite", res.Status, err)
	}
	if !strings.Contains(err.Error(), "Log") {
		t.Errorf("error %q does not name the operation Log", err)
	}
}
