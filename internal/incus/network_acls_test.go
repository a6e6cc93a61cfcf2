package incus

import (
	"errors"
	"strings"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// badRule names the rule incusd refused from its text (incusd 6.0.4,
// docs-internal/incus-error-texts.md), and leaves any other text alone.
func TestBadRule(t *testing.T) {
	put := NetworkACLPut{
		Ingress: []ACLRule{{Action: "allow", State: "enabled"}, {Action: "allow", Source: "nope", State: "enabled"}},
		Egress:  []ACLRule{{Action: "drop", Protocol: "tcp", SourcePort: "x", State: "logged"}},
	}
	for _, tc := range []struct {
		text, hint string
	}{
		{`Invalid ingress rule 1: Invalid Source: Invalid subject "nope"`,
			`incusd refused ingress rule 1 (ingress[1] in the configuration, counting from 0: action "allow", source "nope", state "enabled"): Invalid Source: Invalid subject "nope".`},
		{`Invalid egress rule 0: Invalid Source port: Invalid port number "x"`,
			`incusd refused egress rule 0 (egress[0] in the configuration, counting from 0: action "drop", protocol "tcp", source_port "x", state "logged")`},
		{`Invalid egress rule 3: Action must be one of: allow`, ""}, // no such rule in the request
		{`Invalid config option "k"`, ""},
	} {
		err := badRule(&clienterr.ValidationError{Info: clienterr.Info{Message: tc.text, Status: 500}}, put)
		var ve *clienterr.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("%q: not a ValidationError any more: %v", tc.text, err)
		}
		if ve.Message != tc.text {
			t.Errorf("%q: the server's message changed to %q", tc.text, ve.Message)
		}
		if tc.hint == "" && ve.Hint != "" || !strings.HasPrefix(ve.Hint, tc.hint) {
			t.Errorf("%q: hint %q, want it to start with %q", tc.text, ve.Hint, tc.hint)
		}
	}
	other := &clienterr.NotFoundError{Info: clienterr.Info{Message: "Invalid ingress rule 0: x"}}
	if got := badRule(other, put); !errors.Is(got, other) || other.Hint != "" {
		t.Errorf("a NotFound changed: %v", got)
	}
}
