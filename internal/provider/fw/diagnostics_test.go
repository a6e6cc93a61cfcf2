package fw

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

func TestErrorDetail(t *testing.T) {
	obj := `instance "web" (project "default", remote "local")`
	cases := []struct {
		name string
		err  error
		want []string
	}{
		{"operation", &clienterr.OperationError{Info: clienterr.Info{Object: obj, Message: "Failed to start device"},
			OperationID: "0b6ad0c4-7a4a-4d3f-9a5e-1d2f3c4b5a69", Description: "Creating instance", OpStatus: "Failure"},
			[]string{"Incus operation 0b6ad0c4-7a4a-4d3f-9a5e-1d2f3c4b5a69 (Creating instance)", obj, "Failure", "Server error: Failed to start device", "incus operation show 0b6ad0c4"}},
		{"conflict wrapping an operation", &clienterr.ConflictError{
			Info:     clienterr.Info{Object: obj, Err: &clienterr.OperationError{OperationID: "x"}},
			ImportID: "local:default/web"},
			[]string{"already exists", `terraform import <resource address> local:default/web`, `id = "local:default/web"`}},
		{"not found", &clienterr.NotFoundError{Info: clienterr.Info{Object: obj}}, []string{`Instance "web" (project "default", remote "local") was not found`}},
		{"permission", &clienterr.PermissionError{Info: clienterr.Info{Object: obj, Message: "no", Hint: "check the trust"}}, []string{"refused access", "check the trust"}},
		{"authentication", &clienterr.AuthenticationError{Info: clienterr.Info{Object: "remote r", Hint: "give a trust_token"}}, []string{"did not accept the provider's credentials", "trust_token"}},
		{"authentication without a hint", &clienterr.AuthenticationError{Info: clienterr.Info{Object: "remote r"}}, []string{"Check the credentials"}},
		{"interrupted before a step", &clienterr.InterruptedError{Info: clienterr.Info{Object: obj}, Step: "the start request"}, []string{"interrupted before the start request of " + obj, "not started"}},
		{"busy", &clienterr.BusyError{Info: clienterr.Info{Object: "ATX of pikvm \"a\""}, Waited: 3 * time.Second}, []string{"is busy", "timeouts block", "after 3s"}},
		{"timeout", &clienterr.TimeoutError{WaitingFor: "Creating instance of web", Timeout: 90 * time.Second, LastState: "Running"}, []string{"Timed out after 1m30s waiting for Creating instance of web", "Last observed state: Running"}},
		{"connection", &clienterr.ConnectionError{Address: "/var/lib/incus/unix.socket", Info: clienterr.Info{Err: errors.New("connection refused")}}, []string{"Could not talk to /var/lib/incus/unix.socket", "connection refused"}},
		{"connection with the client's advice", &clienterr.ConnectionError{Address: "https://kvm", Info: clienterr.Info{Hint: "Check the PiKVM"}}, []string{"Check the PiKVM"}},
		{"unsatisfiable", &clienterr.UnsatisfiableError{Info: clienterr.Info{Object: obj, Message: "it has no network device", Hint: "Give it a nic"}, WaitingFor: obj + " to have an ipv4 address"},
			[]string{"Waiting for " + obj + " to have an ipv4 address cannot succeed: it has no network device.", "Give it a nic"}},
		{"unsupported", &clienterr.UnsupportedError{Info: clienterr.Info{Object: obj}, Extension: "network_integrations", Since: "Incus 0.7", ServerVersion: "0.6"},
			[]string{"The Incus server cannot manage " + obj + ": it (version 0.6) lacks the API extension \"network_integrations\", which Incus 0.7 brought.", "Upgrade the server to Incus 0.7 or later."}},
		{"validation", &clienterr.ValidationError{Info: clienterr.Info{Object: obj, Status: 400, Message: "Invalid config"}}, []string{"rejected", "Server message: Invalid config", "HTTP 400"}},
		{"untyped", errors.New("plain"), []string{"plain"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ErrorDetail(tc.err)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("detail lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// The mapper stays neutral: advice in a service's terms comes from the
// client (Info.Hint), so a PiKVM error never talks of incusd.
func TestErrorDetailNeutral(t *testing.T) {
	got := ErrorDetail(&clienterr.ConnectionError{Address: "https://kvm.lan", Info: clienterr.Info{Err: errors.New("refused")}})
	if strings.Contains(strings.ToLower(got), "incus") {
		t.Errorf("a connection error without a hint talks of Incus:\n%s", got)
	}
}

// The raw cause is labelled "Cause:": a line starting with "Error:" reads as
// a second error in `terraform apply -no-color` output.
func TestErrorDetailCause(t *testing.T) {
	got := ErrorDetail(&clienterr.NotFoundError{Info: clienterr.Info{Object: "instance \"web\"", Err: errors.New("Instance not found")}})
	if !strings.HasSuffix(got, "\n\nCause: not found: instance \"web\": Instance not found") {
		t.Errorf("detail does not end with the cause:\n%s", got)
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "Error") {
			t.Errorf("a line of the detail starts like a second error: %q", line)
		}
	}
}
