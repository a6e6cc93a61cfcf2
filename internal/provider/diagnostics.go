package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// errorDetail is the one place that turns a typed client error into the
// detail of a diagnostic: what happened, what to do, then the original error.
func errorDetail(err error) string {
	var (
		nf   *clienterr.NotFoundError
		perm *clienterr.PermissionError
		auth *clienterr.AuthenticationError
		conf *clienterr.ConflictError
		busy *clienterr.BusyError
		val  *clienterr.ValidationError
		op   *clienterr.OperationError
		conn *clienterr.ConnectionError
		to   *clienterr.TimeoutError
	)
	var what, todo string
	switch {
	case errors.As(err, &op):
		what = fmt.Sprintf("Incus operation %s (%s) of %s ended with status %s.", op.OperationID, op.Description, op.Object, op.OpStatus)
		if op.Message != "" {
			what += "\nServer error: " + op.Message
		}
		todo = fmt.Sprintf("Fix the cause above and apply again. While incusd still lists it, `incus operation show %s` shows the operation.", op.OperationID)
	case errors.As(err, &conf):
		what = fmt.Sprintf("%s already exists (or changed since it was read).", capitalize(conf.Object))
		if conf.ImportID != "" {
			todo = fmt.Sprintf("To manage the existing object with Terraform, import it with the ID %q, for example:\n  terraform import <resource address> %s\nor an import block with id = %q. Otherwise choose another name.", conf.ImportID, conf.ImportID, conf.ImportID)
		} else {
			todo = "Refresh and apply again."
		}
	case errors.As(err, &nf):
		what = fmt.Sprintf("%s was not found.", capitalize(nf.Object))
		todo = "Check the name, the project and the remote."
	case errors.As(err, &perm):
		what = fmt.Sprintf("The server refused access to %s.", orServer(perm.Object))
		todo = "The identity the provider uses is not allowed to do this: check the client certificate's restrictions and projects on the server (`incus config trust show`), or the device user's rights and password."
	case errors.As(err, &auth):
		what = fmt.Sprintf("The server did not accept the provider's credentials for %s.", orServer(auth.Object))
		todo = "Make the server trust the provider: add the client certificate (`incus config trust add-certificate`) or give a trust_token in the incus_remote block; for a PiKVM, check username, password and TOTP secret."
	case errors.As(err, &busy):
		what = fmt.Sprintf("%s is busy with another action.", capitalize(orServer(busy.Object)))
		todo = "Wait for the other action to finish, or raise the timeout in the resource's timeouts block."
	case errors.As(err, &to):
		what = fmt.Sprintf("Timed out after %s waiting for %s.", to.Timeout.Round(1e6), to.WaitingFor)
		if to.LastState != "" {
			what += " Last observed state: " + to.LastState + "."
		}
		todo = "Raise the value in the resource's timeouts block if the server is just slow."
	case errors.As(err, &conn):
		what = fmt.Sprintf("Could not talk to %s.", conn.Address)
		todo = "Check that the server is running and reachable at that address (for a local Incus: that incusd runs and the socket path is right)."
	case errors.As(err, &val):
		what = fmt.Sprintf("The server rejected the request for %s.", orServer(val.Object))
		if val.Message != "" {
			what += "\nServer message: " + val.Message
		}
		todo = "Correct the configuration and apply again."
	default:
		return err.Error()
	}
	return what + "\n\n" + todo + "\n\nError: " + err.Error()
}

func orServer(object string) string {
	if object == "" {
		return "the server"
	}
	return object
}

func capitalize(s string) string {
	if s == "" {
		return "The object"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// addError adds an error diagnostic for a failed client call.
func addError(diags *diag.Diagnostics, summary string, err error) {
	diags.AddError(summary, errorDetail(err))
}

// addAttributeError adds an error diagnostic on an attribute.
func addAttributeError(diags *diag.Diagnostics, p path.Path, summary string, err error) {
	diags.AddAttributeError(p, summary, errorDetail(err))
}
