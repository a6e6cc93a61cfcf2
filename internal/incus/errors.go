package incus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
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
	if clienterr.IsTyped(err) {
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
		case http.StatusConflict:
			return &clienterr.ConflictError{Info: info}
		case http.StatusPreconditionFailed:
			// The If-Match ETag of an update no longer matches.
			info.Message = "it changed outside Terraform since it was read; run apply again to apply the configuration to what is there now (incusd: " + err.Error() + ")"
			info.Hint = staleHint
			return &clienterr.ConflictError{Info: info}
		case http.StatusBadRequest:
			return &clienterr.ValidationError{Info: info}
		}
		if status == http.StatusBadGateway || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout {
			return connectionError(info, address)
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
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ENOENT) ||
		// The Incus client returns a body cut short by a dying daemon bare.
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return connectionError(info, address)
	}
	// The Incus client reports an untrusted TLS client as this text only.
	if err.Error() == "not authorized" {
		info.Hint = trustHint
		return &clienterr.AuthenticationError{Info: info}
	}
	return &clienterr.ValidationError{Info: info}
}

// connectionError is a ConnectionError with advice in Incus's terms.
func connectionError(info clienterr.Info, address string) *clienterr.ConnectionError {
	info.Hint = "Check that incusd is running and listening there (on that machine, `incus info` answers when it is)."
	if (Remote{Address: address}).IsUnix() {
		info.Hint = "Check that incusd is running and that the socket path is right (`incus info` answers when it is)."
	}
	return &clienterr.ConnectionError{Info: info, Address: address}
}

// neverSent reports whether a failed request surely did not reach the
// server: the connection could not be made (dial, TLS handshake), so there
// is no outcome to learn.
func neverSent(err error) bool {
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var certErr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	return errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT)
}

// What to do, in Incus's terms, for the errors of access.
const (
	trustHint      = "Make the server trust the provider: add its client certificate on the server (`incus config trust add-certificate`), or give a trust_token in the incus_remote block."
	notFoundHint   = "Check the name, the project and the remote."
	staleHint      = "Run apply again: it reads the object anew and applies the configuration to it."
	permissionHint = "The identity the provider uses is not allowed to do this: check the client certificate's restrictions and projects on the server (`incus config trust show <fingerprint>`)."
)

// IsNotFound reports whether err is a NotFoundError.
func IsNotFound(err error) bool {
	_, ok := clienterr.Outermost(err).(*clienterr.NotFoundError) //nolint:errorlint // Outermost walked the chain
	return ok
}

// timeoutFromContext is the error for a wait that ctx ended: a Timeout, or
// an Interrupted error when Terraform was interrupted.
func timeoutFromContext(ctx context.Context, what, last string) error {
	return clienterr.FromContext(ctx, what, last)
}
