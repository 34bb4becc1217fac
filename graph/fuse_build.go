//go:build !fuseall

package graph

// fuseMin is the size from which an element-wise node's value is
// deferred (see fuse.go): below it the node's inputs and result stay in
// L1 anyway, and recording costs less without the plan.
const fuseMin = 1 << 12

// fusePoison fills pending storage with NaN; only the fuseall build,
// which tests deferred evaluation, sets it.
const fusePoison = false
