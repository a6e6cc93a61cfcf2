// Package clienterr holds the typed errors that every client package of the
// provider (Incus, PiKVM) returns. The provider turns them into Terraform
// diagnostics in one place, with errors.As; nothing ever matches on text.
//
// It is shared by both clients so that one mapper serves every resource.
package clienterr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Info is what every typed error carries: the HTTP status (0 when there was
// no HTTP response), the server's error class (kvmd's exception name) and its
// message verbatim, and the underlying cause.
type Info struct {
	Object  string // what was acted on, e.g. `instance "web" (project "default", remote "local")`
	Status  int
	Class   string
	Message string
	// Hint says what to do, in the words of the service that failed (the
	// trust commands of Incus, the credentials of a PiKVM). The provider's
	// one error mapper stays neutral and shows it when set.
	Hint string
	Err  error
}

// Unwrap exposes the cause to errors.Is / errors.As.
func (i *Info) Unwrap() error { return i.Err }

// serverText is the server's own words, falling back to the cause.
func (i *Info) serverText() string {
	msg := i.Message
	if msg == "" && i.Err != nil {
		msg = i.Err.Error()
	}
	if i.Class != "" {
		msg = i.Class + ": " + msg
	}
	return msg
}

func (i *Info) format(kind string) string {
	parts := []string{kind}
	if i.Object != "" {
		parts = append(parts, i.Object)
	}
	s := strings.Join(parts, " ")
	if i.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", i.Status)
	}
	if t := i.serverText(); t != "" {
		s += ": " + t
	}
	return s
}

// NotFoundError: the object does not exist (Incus 404, kvmd unknown image or channel).
type NotFoundError struct{ Info }

func (e *NotFoundError) Error() string { return e.format("not found:") }

// PermissionError: the identity is known but not allowed (Incus 403, kvmd 403).
type PermissionError struct{ Info }

func (e *PermissionError) Error() string { return e.format("permission denied:") }

// AuthenticationError: the server does not know who we are (Incus 401 or an
// untrusted client certificate, kvmd 401).
type AuthenticationError struct{ Info }

func (e *AuthenticationError) Error() string { return e.format("authentication failed:") }

// ConflictError: the object already exists, changed under us (Incus
// 409/412), or the server refused a change because of other objects (a
// delete of a profile, pool, volume or project still in use).
type ConflictError struct {
	Info
	// ImportID is the ID that `terraform import` takes to adopt the existing object.
	ImportID string
	// UsedBy lists what still uses the object when a delete was refused for
	// that reason, as the server names it (Incus used_by URLs).
	UsedBy []string
}

func (e *ConflictError) Error() string { return e.format("conflict:") }

// BusyError: the device is busy with another action (kvmd 409 *IsBusyError).
type BusyError struct {
	Info
	Waited time.Duration // how long we retried before giving up
}

func (e *BusyError) Error() string {
	s := e.format("busy:")
	if e.Waited > 0 {
		s += fmt.Sprintf(" (still busy after %s of retries)", e.Waited.Round(time.Millisecond))
	}
	return s
}

// ValidationError: the server rejected the request as invalid (Incus 400, kvmd ValidatorError).
type ValidationError struct{ Info }

func (e *ValidationError) Error() string { return e.format("rejected:") }

// OperationError: an Incus background operation ended in Failure or Cancelled.
type OperationError struct {
	Info
	OperationID string
	Description string
	OpStatus    string
}

func (e *OperationError) Error() string {
	return fmt.Sprintf("operation %s (%s) ended %s: %s", e.OperationID, e.Description, e.OpStatus, e.serverText())
}

// ConnectionError: the server could not be reached or answered garbage
// (dial/TLS failure, reset connection, a proxy's non-JSON 5xx).
type ConnectionError struct {
	Info
	Address string
}

func (e *ConnectionError) Error() string {
	s := "cannot reach " + e.Address
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if t := e.serverText(); t != "" {
		s += ": " + t
	}
	return s
}

// TimeoutError: a wait passed the resource's timeout.
type TimeoutError struct {
	Info
	WaitingFor string
	Timeout    time.Duration
	LastState  string
}

func (e *TimeoutError) Error() string {
	s := fmt.Sprintf("timed out after %s waiting for %s", e.Timeout.Round(time.Millisecond), e.WaitingFor)
	if e.LastState != "" {
		s += " (last seen: " + e.LastState + ")"
	}
	return s
}

// UnsatisfiableError: a wait cannot end well, because what it waits for
// cannot happen as the object is configured (an address on an instance with
// no network device, a VM agent in a container). Reported at once rather
// than after the whole timeout.
type UnsatisfiableError struct {
	Info
	WaitingFor string
}

func (e *UnsatisfiableError) Error() string {
	return fmt.Sprintf("cannot wait for %s: %s", e.WaitingFor, e.Message)
}

// UnsupportedError: the server lacks the API extension a call needs (an
// older incusd). Nothing was sent; no retry can help.
type UnsupportedError struct {
	Info
	Extension     string // the API extension, e.g. "network_integrations"
	Since         string // the release that brought it, e.g. "Incus 0.7"
	ServerVersion string // "" when the server did not say
}

func (e *UnsupportedError) Error() string {
	v := e.ServerVersion
	if v == "" {
		v = "unknown version"
	}
	return fmt.Sprintf("unsupported: %s: the server (%s) lacks the API extension %q, which %s brought", e.Object, v, e.Extension, e.Since)
}

type timeoutKey struct{}

// WithTimeout is context.WithTimeout that also remembers the duration, so a
// TimeoutError can say which timeout ran out.
func WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx = context.WithValue(ctx, timeoutKey{}, d)
	return context.WithTimeout(ctx, d)
}

// TimeoutOf returns the duration given to WithTimeout, or the time left
// before the deadline when the context was made some other way.
func TimeoutOf(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(timeoutKey{}).(time.Duration); ok {
		return d
	}
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return 0
}

// Outermost walks the error chain and returns the first typed error: what
// the error is. A Connection error whose cause is a NotFound (the operation
// the daemon forgot when it restarted) is a Connection error; a Conflict
// that wraps the failed operation which revealed it is a Conflict.
func Outermost(err error) error {
	if typed := outermost(err); typed != nil {
		return typed
	}
	return err
}

// outermost searches the chain depth first, following errors that wrap
// several causes (fmt.Errorf with two %w) in their order.
func outermost(err error) error {
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch e.(type) { //nolint:errorlint // this loop walks the chain itself
		case *NotFoundError, *PermissionError, *AuthenticationError, *ConflictError, *BusyError,
			*ValidationError, *OperationError, *ConnectionError, *TimeoutError, *InterruptedError, *UnsatisfiableError,
			*UnsupportedError:
			return e
		}
		if multi, ok := e.(interface{ Unwrap() []error }); ok { //nolint:errorlint // as above
			for _, cause := range multi.Unwrap() {
				if typed := outermost(cause); typed != nil {
					return typed
				}
			}
			return nil
		}
	}
	return nil
}

// IsTyped reports whether err is, or wraps, one of the typed errors above.
func IsTyped(err error) bool { return outermost(err) != nil }

// IsConnection reports whether err is, at its outermost typed layer, a
// Connection error: the server could not be reached or stopped answering,
// so the outcome of a change is what a read afterwards shows.
func IsConnection(err error) bool {
	_, ok := Outermost(err).(*ConnectionError) //nolint:errorlint // Outermost walked the chain
	return ok
}

// OutcomeUnknown reports whether a change that failed with err may still
// have happened: the connection broke, or the wait timed out, after the
// request was sent. Any other error is the server's answer that it did not.
func OutcomeUnknown(err error) bool {
	switch Outermost(err).(type) { //nolint:errorlint // Outermost walked the chain
	case *ConnectionError, *TimeoutError:
		return true
	}
	return false
}
