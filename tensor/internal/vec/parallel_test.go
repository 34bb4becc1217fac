package vec

import (
	"sync"
	"testing"
)

// TestFor checks that For's ranges partition [0, n) into at most
// chunksPerWorker·w pieces.
func TestFor(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 16, 17, 100, 1001} {
		for w := 1; w <= 4; w++ {
			var mu sync.Mutex
			seen := make([]int, n)
			calls := 0
			For(n, w, func(lo, hi int) {
				mu.Lock()
				defer mu.Unlock()
				calls++
				for i := lo; i < hi; i++ {
					seen[i]++
				}
			})
			if calls > chunksPerWorker*w || calls < 1 {
				t.Errorf("For(%d, %d): %d calls", n, w, calls)
			}
			if w > 1 && n >= w && calls < 2 {
				t.Errorf("For(%d, %d): not split", n, w)
			}
			for i, c := range seen {
				if c != 1 {
					t.Fatalf("For(%d, %d): index %d visited %d times", n, w, i, c)
				}
			}
		}
	}
}
