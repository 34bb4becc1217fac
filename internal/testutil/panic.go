package testutil

import (
	"fmt"
	"strings"
	"testing"
)

// PanicValue runs f and returns the value it panicked with and whether it
// panicked. (Since Go 1.21 panic(nil) panics with a *runtime.PanicNilError,
// so every panic is reported.)
func PanicValue(f func()) (v any, panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			v, panicked = r, true
		}
	}()
	f()
	return nil, false
}

// PanicMessage runs f and returns the text of its panic, fmt.Sprint of the
// value, or "" if f did not panic.
func PanicMessage(f func()) string {
	v, panicked := PanicValue(f)
	if !panicked {
		return ""
	}
	return fmt.Sprint(v)
}

// MustPanic fails t unless f panics with a message that contains every one
// of wants. what names the call in the failure message.
func MustPanic(t testing.TB, what string, f func(), wants ...string) {
	t.Helper()
	v, panicked := PanicValue(f)
	if !panicked {
		t.Errorf("%s: no panic", what)
		return
	}
	msg := fmt.Sprint(v)
	for _, w := range wants {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: panic %q does not mention %q", what, msg, w)
		}
	}
}
