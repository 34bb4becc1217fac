//go:build fuseall

package graph

// In the fuseall build, which tests deferred evaluation, every
// element-wise node of more than one element is deferred, and pending
// storage holds NaN until it is computed, so that a read that skips the
// computation shows in the results: go test -tags fuseall ./...
const (
	fuseMin    = 2
	fusePoison = true
)
