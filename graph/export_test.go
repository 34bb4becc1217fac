package graph

import "reflect"

// SharedParamsZero reports whether the parameters every node shares until
// its op sets one are still zero: an op that wrote a less common parameter
// without Node.params would have changed them for every node of the tape.
func SharedParamsZero(tp *Tape) bool { return reflect.DeepEqual(tp.noExt, paramsExt{}) }

// Footprint returns the bytes of storage the tape holds.
func Footprint(tp *Tape) int { return tp.footprint() }

// Pending reports whether n's value, and its tangent, are deferred (not
// computed yet): the tests check that deferral happens where it should,
// since results alone cannot tell.
func Pending(n *Node) (value, tangent bool) {
	return n.pend&pendValue != 0, n.pend&pendTangent != 0
}

// FuseMin is the size from which element-wise nodes are deferred (2 in
// the fuseall build).
const FuseMin = fuseMin
