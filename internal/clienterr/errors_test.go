package clienterr

import (
	"fmt"
	"testing"
)

// incus.adoptIfNew wraps two causes with two %w verbs; such an error has
// Unwrap() []error, which errors.Unwrap does not follow. Outermost must still
// find the typed error, or the mapper falls back to the raw text and
// isConnection/IsNotFound answer false.
func TestOutermostFollowsMultiWrap(t *testing.T) {
	conn := &ConnectionError{Address: "unix:///x"}
	err := fmt.Errorf("%w\n\ncould not be checked (%w)", conn, &NotFoundError{})
	if got := Outermost(err); got != error(conn) { //nolint:errorlint // the very error value is wanted
		t.Fatalf("Outermost = %T (%v), want the *ConnectionError", got, got)
	}
}
