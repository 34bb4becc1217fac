package optim

import "errors"

// The statuses below are those of LeastSquares only. LeastSquares also
// reports the shared IterationLimit, EvaluationLimit, NonFinite,
// NoProgress and Stopped.
const (
	// SmallRelativeReduction: both the actual and the predicted relative
	// reduction of ‖r‖² in the last step were at most
	// LeastSquaresSettings.FunctionTolerance (or below the rounding level):
	// the sum of squares cannot be reduced further to that tolerance. This
	// is success.
	SmallRelativeReduction Status = lsFirst + iota
	// SmallStep: the scaled step bound fell to StepTolerance times the
	// scaled norm of x (or below the rounding level of x) while the
	// Gauss–Newton step was below √StepTolerance times it: x has converged
	// to that relative tolerance. This is success.
	SmallStep
	// SmallGradient: the cosine of the angle between r and every column of
	// J (free variables only when bounds are set) is at most
	// GradientTolerance: a stationary point of ½‖r‖². This is success.
	SmallGradient
	// ZeroResidual: r(x) = 0, a global minimum. This is success.
	ZeroResidual
	// RankDeficient: the run converged by one of the tests above, but the
	// Jacobian at X has numerical rank below n (Result.Rank), so the
	// minimiser is not unique and some parameters are not identified; or
	// the problem has fewer residuals than parameters (m < n). X is a
	// stationary point, not a verdict on the parameters.
	RankDeficient
)

// lsFirst is the first least-squares status, well after the shared ones.
const lsFirst Status = 64

var lsStatusNames = [...]string{
	SmallRelativeReduction - lsFirst: "SmallRelativeReduction",
	SmallStep - lsFirst:              "SmallStep",
	SmallGradient - lsFirst:          "SmallGradient",
	ZeroResidual - lsFirst:           "ZeroResidual",
	RankDeficient - lsFirst:          "RankDeficient",
}

// lsString returns the name of a least-squares status, or "" for others.
func lsString(s Status) string {
	if s >= lsFirst && int(s-lsFirst) < len(lsStatusNames) {
		return lsStatusNames[s-lsFirst]
	}
	return ""
}

// lsSuccess reports whether s is a least-squares convergence status.
func lsSuccess(s Status) bool {
	return s == SmallRelativeReduction || s == SmallStep || s == SmallGradient || s == ZeroResidual
}

// ErrRankDeficient is the sentinel of status RankDeficient.
var ErrRankDeficient = errors.New("optim: Jacobian is rank deficient: parameters not identified")
