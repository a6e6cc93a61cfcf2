package incus

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"syscall"

	"github.com/lxc/incus/v6/shared/api"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// classify turns an error of the Incus client into one of the typed errors of
// clienterr. object names what was acted on; address is the remote's address
// for connection errors. Errors that are already typed pass through.
func classify(err error, object, address string) error {
	if err == nil {
		return nil
	}
	if isTyped(err) {
		return err
	}
	info := clienterr.Info{Object: object, Err: err}
	if status, ok := api.StatusErrorMatch(err); ok {
		info.Status = status
		info.Message = err.Error()
		switch status {
		case http.StatusNotFound:
			info.Hint = notFoundHint
			return &clienterr.NotFoundError{Info: info}
		case http.StatusForbidden:
			info.Hint = permissionHint
			return &clienterr.PermissionError{Info: info}
		case http.StatusUnauthorized:
			info.Hint = trustHint
			return &clienterr.AuthenticationError{Info: info}
		case http.StatusConflict, http.StatusPreconditionFailed:
			return &clienterr.ConflictError{Info: info}
		case http.StatusBadRequest:
			return &clienterr.ValidationError{Info: info}
		}
		if status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout {
			return &clienterr.ConnectionError{Info: info, Address: address}
		}
		return &clienterr.ValidationError{Info: info}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &clienterr.TimeoutError{Info: info, WaitingFor: object}
	}
	var netErr net.Error
	var urlErr *url.Error
	var opErr *net.OpError
	if errors.As(err, &urlErr) || errors.As(err, &opErr) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ENOENT) {
		return &clienterr.ConnectionError{Info: info, Address: address}
	}
	// The Incus client reports an untrusted TLS client as this text only.
	if err.Error() == "not authorized" {
		info.Hint = trustHint
		return &clienterr.AuthenticationError{Info: info}
	}
	return &clienterr.ValidationError{Info: info}
}

// What to do, in Incus's terms, for the errors of access.
const (
	trustHint      = "Make the server trust the provider: add its client certificate on the server (`incus config trust add-certificate`), or give a trust_token in the incus_remote block."
	notFoundHint   = "Check the name, the project and the remote."
	permissionHint = "The identity the provider uses is not allowed to do this: check the client certificate's restrictions and projects on the server (`incus config trust show <fingerprint>`)."
)

func isTyped(err error) bool {
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
		intr *clienterr.InterruptedError
	)
	return errors.As(err, &nf) || errors.As(err, &perm) || errors.As(err, &auth) || errors.As(err, &conf) ||
		errors.As(err, &busy) || errors.As(err, &val) || errors.As(err, &op) || errors.As(err, &conn) || errors.As(err, &to) || errors.As(err, &intr)
}

// IsNotFound reports whether err is a NotFoundError.
func IsNotFound(err error) bool {
	var nf *clienterr.NotFoundError
	return errors.As(err, &nf)
}

// timeoutFromContext is the error for a wait that ctx ended: a Timeout, or
// an Interrupted error when Terraform was interrupted.
func timeoutFromContext(ctx context.Context, what, last string) error {
	return clienterr.FromContext(ctx, what, last)
}
