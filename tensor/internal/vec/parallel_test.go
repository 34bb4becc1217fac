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
// delay of the busy threads over contendedShare of a window stops them for
// noSpinFor, one under it does not, the delay of threads that hardly ran
// does not count, and a measure after a pause longer than the window (or
// the first one) only starts a window.
func TestRecord(t *testing.T) {
	t0 := time.Unix(1000, 0)
	w := contendedWindow
	over := time.Duration(contendedShare*float64(w)) + time.Microsecond
	under := time.Duration(contendedShare*float64(w)) - time.Microsecond
	type thread struct{ run, delay time.Duration } // in the window
	tests := []struct {
		name    string
		wall    time.Duration // since the previous measure
		threads []thread
		stop    bool
	}{
		{"idle", w, []thread{{w, under / 2}, {w, under / 2}}, false},
		{"contended", w, []thread{{w / 2, over}, {w, 0}}, true},
		{"contended, split over two threads", w, []thread{{w / 2, over / 2}, {w / 2, over / 2}}, true},
		{"contended, longer window", 3 * w / 2, []thread{{w, over * 3 / 2}}, true},
		{"an idle thread waited", w, []thread{{w, 0}, {w / 5, w}}, false},
		{"after a pause", 3 * w, []thread{{w, 3 * w}}, false},
	}
	for _, tc := range tests {
		var p helpers
		for i := range tc.threads {
			p.cur = append(p.cur, threadTimes{tid: 10 + i, run: time.Second, delay: time.Second})
		}
		p.record(t0, true) // the first measure starts a window only
		if p.noSpin.Load() != 0 {
			t.Fatalf("%s: the first measure stopped the spinning", tc.name)
		}
		p.cur = p.cur[:0]
		for i, th := range tc.threads {
			p.cur = append(p.cur, threadTimes{tid: 10 + i, run: time.Second + th.run, delay: time.Second + th.delay})
		}
		p.cur = append(p.cur, threadTimes{tid: 99, run: w, delay: w}) // a new thread: no previous times
		now := t0.Add(tc.wall)
		p.record(now, true)
		if got := p.noSpin.Load() == now.Add(noSpinFor).UnixNano(); got != tc.stop {
			t.Errorf("%s: stopped = %v, want %v", tc.name, got, tc.stop)
		}
		if next := p.nextCheck.Load(); next != now.Add(contendedWindow).UnixNano() {
			t.Errorf("%s: next check at %d, want %d", tc.name, next, now.Add(contendedWindow).UnixNano())
		}
	}
	var p helpers
	p.record(t0, false)
	if p.nextCheck.Load() != math.MaxInt64 {
		t.Errorf("without the times: next check at %d, want never", p.nextCheck.Load())
	}
}

// TestSchedTimes checks that, where they are available, the scheduling
// times of the process's threads can be read, that the calling thread is
// among them, and that they never decrease.
func TestSchedTimes(t *testing.T) {
	t0, ok := schedTimes(nil)
	if !ok {
		if runtime.GOOS == "linux" {
			t.Log("no schedstat files: helpers will always spin")
		}
		t.Skip("scheduling times not available")
	}
	prev := append([]threadTimes(nil), t0...)
	busy := time.Now()
	for time.Since(busy) < 5*time.Millisecond {
	}
	t1, ok := schedTimes(t0)
	if !ok {
		t.Fatal("scheduling times readable once only")
	}
	var ran time.Duration
	for _, c := range t1 {
		for _, q := range prev {
			if q.tid == c.tid {
				if c.run < q.run || c.delay < q.delay {
					t.Errorf("thread %d: times %v then %v", c.tid, q, c)
				}
				ran = max(ran, c.run-q.run)
			}
		}
	}
	if ran < time.Millisecond {
		t.Errorf("no thread ran for 1 ms of the 5 ms spent spinning (most: %v)", ran)
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
