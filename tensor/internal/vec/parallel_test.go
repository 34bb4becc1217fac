package vec

import (
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

// TestRecord checks the rule that stops helpers from spinning: a run
// delay over contendedShare of a window stops them for noSpinFor, one
// under it does not, and a measure after a pause longer than the window
// (or the first one) only starts a window.
func TestRecord(t *testing.T) {
	t0 := time.Unix(1000, 0)
	w := contendedWindow
	over := time.Duration(contendedShare*float64(w)) + time.Microsecond
	under := time.Duration(contendedShare*float64(w)) - time.Microsecond
	tests := []struct {
		name  string
		wall  time.Duration // since the previous measure
		delay time.Duration // run delay in it
		stop  bool
	}{
		{"idle", w, under, false},
		{"contended", w, over, true},
		{"contended, longer window", 3 * w / 2, over * 3 / 2, true},
		{"after a pause", 3 * w, 3 * w, false},
	}
	for _, tc := range tests {
		var p helpers
		p.record(t0, time.Second, true) // the first measure starts a window only
		if p.noSpin.Load() != 0 {
			t.Fatalf("%s: the first measure stopped the spinning", tc.name)
		}
		now := t0.Add(tc.wall)
		p.record(now, time.Second+tc.delay, true)
		if got := p.noSpin.Load() == now.Add(noSpinFor).UnixNano(); got != tc.stop {
			t.Errorf("%s: stopped = %v, want %v", tc.name, got, tc.stop)
		}
		if next := p.nextCheck.Load(); next != now.Add(contendedWindow).UnixNano() {
			t.Errorf("%s: next check at %d, want %d", tc.name, next, now.Add(contendedWindow).UnixNano())
		}
	}
	var p helpers
	p.record(t0, 0, false)
	if p.nextCheck.Load() != math.MaxInt64 {
		t.Errorf("without a run delay: next check at %d, want never", p.nextCheck.Load())
	}
}

// TestRunDelay checks that, where it is available, the run delay of the
// process's threads can be read and never decreases.
func TestRunDelay(t *testing.T) {
	d0, ok := runDelay()
	if !ok {
		if runtime.GOOS == "linux" {
			t.Log("no schedstat files: helpers will always spin")
		}
		t.Skip("run delay not available")
	}
	For(1<<16, 2, func(lo, hi int) {})
	d1, ok := runDelay()
	if !ok || d1 < d0 {
		t.Errorf("run delay %v then %v (ok %v)", d0, d1, ok)
	}
}

// TestRunWaitsForHelpers checks that Run returns only when every call
// has returned, also when another goroutine finishes the last call long
// after the caller ran out of calls (the caller then spins for spinFor and
// sleeps). The first call waits until the second has started, so that two
// goroutines make them (the caller, which starts first, usually the first
// call); the second outlasts the caller's spinning.
func TestRunWaitsForHelpers(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS ≥ 2")
	}
	for range 5 {
		var second, done atomic.Int32
		Run(2, 2, func(i int) {
			if i == 1 {
				second.Store(1)
				time.Sleep(2 * spinFor)
			} else {
				for deadline := time.Now().Add(time.Second); second.Load() == 0 && time.Now().Before(deadline); {
					runtime.Gosched()
				}
			}
			done.Add(1)
		})
		if n := done.Load(); n != 2 {
			t.Fatalf("Run returned with %d of 2 calls done", n)
		}
	}
}
