package incus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"testing"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want any
	}{
		{"404", api.StatusErrorf(404, "Instance not found"), &clienterr.NotFoundError{}},
		{"403", api.StatusErrorf(403, "not allowed"), &clienterr.PermissionError{}},
		{"401", api.StatusErrorf(401, "not authorized"), &clienterr.AuthenticationError{}},
		{"409", api.StatusErrorf(409, "exists"), &clienterr.ConflictError{}},
		{"412 etag", api.StatusErrorf(412, "ETag doesn't match"), &clienterr.ConflictError{}},
		{"400", api.StatusErrorf(400, "bad"), &clienterr.ValidationError{}},
		{"500 json from incusd", api.StatusErrorf(500, `Requested profile "x" doesn't exist`), &clienterr.ValidationError{}},
		{"503", api.StatusErrorf(503, "unavailable"), &clienterr.ConnectionError{}},
		{"dial", &url.Error{Op: "Get", URL: "http://unix.socket/1.0", Err: &net.OpError{Op: "dial", Net: "unix", Err: errors.New("connection refused")}}, &clienterr.ConnectionError{}},
		{"deadline", fmt.Errorf("wait: %w", context.DeadlineExceeded), &clienterr.TimeoutError{}},
		{"untrusted", errors.New("not authorized"), &clienterr.AuthenticationError{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.err, "instance \"x\"", "/run/incus.sock")
			if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", tc.want) {
				t.Fatalf("classify(%v) = %T, want %T", tc.err, got, tc.want)
			}
			if !errors.Is(got, tc.err) {
				t.Fatalf("the typed error does not wrap its cause")
			}
		})
	}
}

func TestClassifyKeepsStatusAndPassesTypedErrorsThrough(t *testing.T) {
	err := classify(api.StatusErrorf(404, "Instance not found"), "instance \"x\"", "")
	var nf *clienterr.NotFoundError
	if !errors.As(err, &nf) || nf.Status != 404 || nf.Message != "Instance not found" {
		t.Fatalf("got %#v", err)
	}
	if again := classify(err, "other", ""); again != err { //nolint:errorlint // identity: the same value must come back
		t.Fatalf("a typed error was re-wrapped: %v", again)
	}
}

func TestParseImage(t *testing.T) {
	for in, want := range map[string]ImageSource{
		"alpine":           {Name: "alpine"},
		"images:debian/12": {Remote: "images", Name: "debian/12"},
		"local:abc":        {Remote: "local", Name: "abc"},
	} {
		if got := ParseImage(in); got != want {
			t.Errorf("ParseImage(%q) = %+v, want %+v", in, got, want)
		}
	}
}
