package graph

import "reflect"

// SharedParamsZero reports whether the parameters every node shares until
// its op sets one are still zero: an op that wrote a less common parameter
// without Node.params would have changed them for every node of the tape.
func SharedParamsZero(tp *Tape) bool { return reflect.DeepEqual(tp.noExt, paramsExt{}) }

// Footprint returns the bytes of storage the tape holds.
func Footprint(tp *Tape) int { return tp.footprint() }
