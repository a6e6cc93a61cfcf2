package incus

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// A missing copy source blames the source (instance or snapshot), never the
// new instance; other 404s pass through.
func TestBlameCopySource(t *testing.T) {
	s := Scope{Remote: "lab", Project: "web"}
	src := CopySource{Name: "base", Snapshot: "snap0"}
	notFound := func(msg string) error {
		return &clienterr.NotFoundError{Info: clienterr.Info{Object: `instance "copy" (project "web", remote "lab")`, Status: http.StatusNotFound, Message: msg}}
	}
	for _, c := range []struct {
		msg, object string
	}{
		{`Failed to fetch instance "base" in project "web": Instance not found`, `source instance "base" (project "web", remote "lab")`},
		{`Failed to fetch instance "base/snap0" in project "web": Instance not found`, `source instance "base" (project "web", remote "lab")`},
		{`Failed to fetch snapshot "snap0" of instance "base" in project "other": Instance_snapshot not found`, `snapshot "snap0" of source instance "base" (project "other", remote "lab")`},
		{`Failed to fetch instance "copy" in project "web": Instance not found`, `instance "copy" (project "web", remote "lab")`}, // not the source
		{`Failed loading project: Project not found`, `instance "copy" (project "web", remote "lab")`},
	} {
		var nf *clienterr.NotFoundError
		if err := blameCopySource(notFound(c.msg), s, src); !errors.As(err, &nf) || nf.Object != c.object {
			t.Errorf("%q: blamed %v, want %s", c.msg, err, c.object)
		} else if nf.Message != c.msg {
			t.Errorf("%q: the server's text became %q", c.msg, nf.Message)
		}
	}
	plain := errors.New("boom")
	if err := blameCopySource(plain, s, src); err != plain { //nolint:errorlint // the same error must come back
		t.Errorf("a non-404 error changed: %v", err)
	}
}

// IsRunningRefusal knows incusd's refusals of a change a running instance
// cannot take, in a failed operation or a refused request, and nothing else.
func TestIsRunningRefusal(t *testing.T) {
	op := func(msg string) error {
		return &clienterr.OperationError{Info: clienterr.Info{Message: msg}, OperationID: "x", OpStatus: "Failure"}
	}
	for msg, want := range map[string]bool{
		`Failed to add device "ipv": Device cannot be added when instance is running`:      true,
		`Failed to remove device "ipv": Device cannot be removed when instance is running`: true,
		`Key "raw.qemu" cannot be updated when VM is running`:                              true,
		`Cannot apply changes to root disk device "root" while the instance is running`:    true,
		`Invalid config: Unknown configuration key: foo`:                                   false,
	} {
		if got := IsRunningRefusal(op(msg)); got != want {
			t.Errorf("%q: %v, want %v", msg, got, want)
		}
	}
	v := &clienterr.ValidationError{Info: clienterr.Info{Status: 500, Message: `Failed to add device "ipv": Device cannot be added when instance is running`}}
	if !IsRunningRefusal(v) || IsRunningRefusal(errors.New(strings.Repeat("x", 3))) {
		t.Error("a refused PATCH is a running refusal; a plain error is not")
	}
}
