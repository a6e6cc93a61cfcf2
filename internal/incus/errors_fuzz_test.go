package incus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// FuzzClassify builds the errors the Incus client returns (a status error
// from the server's JSON, wrapped or not, a transport error, a deadline, bare
// text) from fuzzed statuses and texts: classify never panics, always answers
// one of the typed errors wrapping the cause, maps each status the design
// table names to its type, and passes its own result through unchanged.
func FuzzClassify(f *testing.F) {
	for _, s := range []struct {
		status int
		text   string
		shape  uint8
	}{
		{404, "Instance not found", 0},
		{404, `Failed to fetch instance "web" in project "default": Instance not found`, 1},
		{403, "not authorized", 0},
		{401, "", 0},
		{409, `Instance "web" already exists`, 0},
		{412, "ETag doesn't match", 0},
		{400, "Unknown configuration key: limits.cpus", 0},
		{500, `Failed creating instance from image: Requested profile "nope" doesn't exist`, 0},
		{503, "<html>503 Service Unavailable</html>", 0},
		{0, "connection refused", 2},
		{0, "", 3},
		{0, "not authorized", 4},
		{0, "unexpected EOF", 4},
		{-1, "weird", 0},
	} {
		f.Add(s.status, s.text, s.shape)
	}
	f.Fuzz(func(t *testing.T, status int, text string, shape uint8) {
		var cause error
		switch shape % 6 {
		case 0: // as lxdParseResponse makes it from the server's error JSON
			cause = api.StatusErrorf(status, "%s", text)
		case 1: // wrapped by the client or by our helpers
			cause = fmt.Errorf("Failed to fetch instance: %w", api.StatusErrorf(status, "%s", text))
		case 2: // transport
			cause = &url.Error{Op: "Get", URL: "http://unix.socket/1.0", Err: &net.OpError{Op: "dial", Net: "unix", Err: errors.New(text)}}
		case 3:
			cause = fmt.Errorf("%s: %w", text, context.DeadlineExceeded)
		case 4:
			cause = errors.New(text)
		case 5:
			cause = fmt.Errorf("%s: %w", text, context.Canceled)
		}
		got := classify(cause, `instance "web" (project "default", remote "test")`, "unix:///var/lib/incus/unix.socket")
		if got == nil || !clienterr.IsTyped(got) {
			t.Fatalf("classify(%#v) = %T %v: not a typed error", cause, got, got)
		}
		if !errors.Is(got, cause) {
			t.Fatalf("classify(%v) = %v does not wrap its cause", cause, got)
		}
		if again := classify(got, "other", ""); again != got { //nolint:errorlint // identity: the same value must come back
			t.Fatalf("a typed error was re-wrapped: %v", again)
		}
		_ = got.Error()
		if shape%6 > 1 {
			return
		}
		var want any
		switch status {
		case http.StatusNotFound:
			want = &clienterr.NotFoundError{}
		case http.StatusForbidden:
			want = &clienterr.PermissionError{}
		case http.StatusUnauthorized:
			want = &clienterr.AuthenticationError{}
		case http.StatusConflict, http.StatusPreconditionFailed:
			want = &clienterr.ConflictError{}
		case http.StatusBadRequest:
			want = &clienterr.ValidationError{}
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			want = &clienterr.ConnectionError{}
		default:
			return
		}
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
			t.Fatalf("HTTP %d %q: classified as %T, want %T", status, text, got, want)
		}
	})
}
