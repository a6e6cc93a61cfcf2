package fw

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// ErrorDetail is the one place that turns a typed client error into the
// detail of a diagnostic: what happened, what to do, then the original error.
func ErrorDetail(err error) string {
	what, todo := explain(clienterr.Outermost(err))
	if what == "" {
		return err.Error()
	}
	// "Cause:", not "Error:": in -no-color output a line starting with
	// "Error:" reads as a second error.
	return what + "\n\n" + todo + "\n\nCause: " + err.Error()
}

// explain says what happened and what to do about it, per error type.
func explain(err error) (what, todo string) {
	switch e := err.(type) { //nolint:errorlint // err is already the outermost typed error
	case *clienterr.OperationError:
		what = fmt.Sprintf("Incus operation %s (%s) of %s ended with status %s.", e.OperationID, e.Description, e.Object, e.OpStatus)
		if e.Message != "" {
			what += "\nServer error: " + e.Message
		}
		todo = fmt.Sprintf("Fix the cause above and apply again. While incusd still lists it, `incus operation show %s` shows the operation.", e.OperationID)
		if e.Hint != "" {
			todo = e.Hint + " " + todo
		}
	case *clienterr.ConflictError:
		switch {
		case e.ImportID != "":
			what = fmt.Sprintf("%s already exists.", Capitalize(e.Object))
			todo = fmt.Sprintf("To manage the existing object with Terraform, import it with the ID %q, for example:\n  terraform import <resource address> %s\nor an import block with id = %q. Otherwise choose another name.", e.ImportID, e.ImportID, e.ImportID)
		case len(e.UsedBy) > 0:
			// The client wrote the users into the message, in words.
			what = fmt.Sprintf("%s is in use: %s.", Capitalize(e.Object), e.Message)
			todo = OrDefault(e.Hint, "Remove what uses it first, then apply again.") + " It stays in state until it is deleted."
		default:
			what = fmt.Sprintf("%s already exists or changed since it was read.", Capitalize(e.Object))
			if e.Message != "" {
				what = fmt.Sprintf("%s: %s.", Capitalize(e.Object), e.Message)
			}
			todo = OrDefault(e.Hint, "Refresh and apply again.")
		}
	case *clienterr.NotFoundError:
		what = fmt.Sprintf("%s was not found.", Capitalize(e.Object))
		todo = OrDefault(e.Hint, "Check the name.")
	case *clienterr.PermissionError:
		what = fmt.Sprintf("The server refused access to %s.", orServer(e.Object))
		todo = OrDefault(e.Hint, "The identity the provider uses is not allowed to do this: check its rights on the server.")
	case *clienterr.AuthenticationError:
		what = fmt.Sprintf("The server did not accept the provider's credentials for %s.", orServer(e.Object))
		todo = OrDefault(e.Hint, "Check the credentials the provider uses for this server.")
	case *clienterr.InterruptedError:
		what = "Terraform was interrupted"
		if e.Step != "" {
			what += fmt.Sprintf(" before %s of %s was sent; it was not started.", e.Step, orServer(e.Object))
		} else {
			what += ": " + e.Message + "."
		}
		todo = "Run apply again to finish; state records what exists on the host."
	case *clienterr.BusyError:
		what = fmt.Sprintf("%s is busy with another action.", Capitalize(orServer(e.Object)))
		todo = "Wait for the other action to finish, or raise the timeout in the resource's timeouts block."
	case *clienterr.TimeoutError:
		what = fmt.Sprintf("Timed out after %s waiting for %s.", e.Timeout.Round(time.Millisecond), e.WaitingFor)
		if e.LastState != "" {
			what += " Last observed state: " + e.LastState + "."
		}
		todo = "Raise the value in the resource's timeouts block if the server is just slow."
	case *clienterr.ConnectionError:
		what = fmt.Sprintf("Could not talk to %s.", e.Address)
		todo = OrDefault(e.Hint, "Check that the server is running and reachable at that address.")
	case *clienterr.UnsatisfiableError:
		what = fmt.Sprintf("Waiting for %s cannot succeed: %s.", e.WaitingFor, e.Message)
		todo = OrDefault(e.Hint, "Change the configuration so that it can happen, or stop waiting for it.")
	case *clienterr.ValidationError:
		what = fmt.Sprintf("The server rejected the request for %s.", orServer(e.Object))
		if e.Message != "" {
			what += "\nServer message: " + e.Message
		}
		todo = OrDefault(e.Hint, "Correct the configuration and apply again.")
	}
	return what, todo
}

func orServer(object string) string {
	if object == "" {
		return "the server"
	}
	return object
}

func Capitalize(s string) string {
	if s == "" {
		return "The object"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// AddError adds an error diagnostic for a failed client call.
func AddError(diags *diag.Diagnostics, summary string, err error) {
	diags.AddError(summary, ErrorDetail(err))
}

// AddAttributeError adds an error diagnostic on an attribute.
func AddAttributeError(diags *diag.Diagnostics, p path.Path, summary string, err error) {
	diags.AddAttributeError(p, summary, ErrorDetail(err))
}
