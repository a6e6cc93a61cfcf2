// Package kvmd is the provider's client for the kvmd HTTP API of a PiKVM
// (../shared/pikvm-kvmd-api.md): per-request X-KVMD authentication with an
// optional TOTP code, the {ok, result} envelope, busy retries, and the typed
// errors of internal/clienterr. No library speaks kvmd, so it is written here;
// it knows nothing of Terraform.
package kvmd

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// Device is one PiKVM as the provider is told about it.
type Device struct {
	Name           string
	URL            string // https://pikvm.local (the /api prefix is added)
	Username       string
	Password       string
	TOTPSecret     string // base32; empty when two-factor is off
	CACertificate  string // PEM; empty trusts the system CAs
	Insecure       bool   // skip TLS verification (kvmd's self-signed default)
	RequestTimeout time.Duration
}

// FieldError names the device field that is wrong.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Validate checks a device's settings without contacting it.
func (d Device) Validate() error {
	u, err := url.Parse(d.URL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return &FieldError{"url", fmt.Errorf("%q is not a PiKVM address: use https://host (or http://host)", d.URL)}
	}
	if d.Username == "" {
		return &FieldError{"username", errors.New("a username is required (kvmd's default is admin); set username or PIKVM_USERNAME")}
	}
	if d.Password == "" {
		return &FieldError{"password", errors.New("a password is required; set password or PIKVM_PASSWORD")}
	}
	if d.TOTPSecret != "" {
		if _, err := totp.GenerateCode(d.TOTPSecret, time.Now()); err != nil {
			return &FieldError{"totp_secret", fmt.Errorf("not a base32 TOTP secret: %w", err)}
		}
	}
	if d.CACertificate != "" {
		if !x509.NewCertPool().AppendCertsFromPEM([]byte(d.CACertificate)) {
			return &FieldError{"ca_certificate", errors.New("not a PEM encoded certificate (expected a -----BEGIN CERTIFICATE----- block)")}
		}
	}
	return nil
}

// Client talks to one PiKVM. Safe for concurrent use.
type Client struct {
	dev    Device
	base   *url.URL
	http   *http.Client
	logger hclog.Logger
	now    func() time.Time
}

// New makes a client for a device; it does not contact it.
func New(dev Device, logger hclog.Logger) (*Client, error) {
	if err := dev.Validate(); err != nil {
		return nil, err
	}
	base, _ := url.Parse(strings.TrimSuffix(dev.URL, "/"))
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: dev.Insecure} //nolint:gosec // G402: only when the user sets insecure
	if dev.CACertificate != "" {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(dev.CACertificate))
		tlsConf.RootCAs = pool
	}
	timeout := dev.RequestTimeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if logger == nil {
		logger = hclog.NewNullLogger()
	}
	return &Client{
		dev:  dev,
		base: base,
		http: &http.Client{
			Transport: &http.Transport{TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment, ResponseHeaderTimeout: timeout},
			// kvmd redirects a trailing slash; we never send one, so a
			// redirect means a proxy in the way: report it, do not follow.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		logger: logger,
		now:    time.Now,
	}, nil
}

// Name is the device's name in the provider configuration.
func (c *Client) Name() string { return c.dev.Name }

// object names the device in errors.
func (c *Client) object(what string) string {
	return fmt.Sprintf("%s of PiKVM %q", what, c.dev.Name)
}

// envelope is kvmd's answer: {"ok": bool, "result": ...}.
type envelope struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
}

type kvmdError struct {
	Error    string `json:"error"`
	ErrorMsg string `json:"error_msg"`
}

// request is one call to kvmd.
type request struct {
	method string
	route  string // without /api, e.g. "/atx/power"
	query  url.Values
	what   string // for errors: "ATX", "the MSD", ...
	// body, when set, opens the request body afresh (for a retry).
	body          func() (io.ReadCloser, error)
	contentLength int64
	// retryBusy retries 409 busy answers with backoff until ctx ends.
	retryBusy bool
}

// credentialsHint is what to do when kvmd refuses who we are.
//
//nolint:gosec // G101: advice that names the settings, not a credential
const credentialsHint = "Check the PiKVM's username and password (PIKVM_USERNAME / PIKVM_PASSWORD or the pikvm block) and, with two-factor authentication on, the totp_secret and this machine's clock."

// connectionError is a ConnectionError with advice in PiKVM's terms.
func (c *Client) connectionError(info clienterr.Info) *clienterr.ConnectionError {
	info.Hint = fmt.Sprintf("Check that the PiKVM %q is on and that its web interface answers at %s (the url of its pikvm block, or PIKVM_URL); a 5xx answer means kvmd or its nginx is restarting or failing.", c.dev.Name, c.dev.URL)
	return &clienterr.ConnectionError{Address: c.dev.URL, Info: info}
}

// notFoundHints say what to do about kvmd's "not found" classes.
var notFoundHints = map[string]string{
	"MsdUnknownImageError":     msdImageHint,
	"GpioChannelNotFoundError": "The rack_pikvm_gpio data source lists the PiKVM's GPIO channels (kvmd's configuration defines them).",
}

// call performs a request and decodes the result into out (may be nil).
//
// A request that changes something (any method but GET) is not sent after
// an interrupt; once sent, it is not abandoned when Terraform is
// interrupted: its answer is awaited within the resource's timeout, so the
// caller records what the device did. A busy answer is not retried after an
// interrupt (that would start the step anew).
func (c *Client) call(ctx context.Context, r request, out any) error {
	interrupt := ctx
	if r.method != http.MethodGet {
		if err := clienterr.BeforeMutation(ctx, r.method+" "+r.route, c.object(r.what)); err != nil {
			return err
		}
		var cancel context.CancelFunc
		ctx, cancel = clienterr.Detach(ctx)
		defer cancel()
	}
	start := c.now()
	delay := 250 * time.Millisecond
	totpRetried := false
	connRetries := 0
	for {
		code, err := c.send(ctx, r, out)
		var busy *clienterr.BusyError
		var auth *clienterr.AuthenticationError
		var conn *clienterr.ConnectionError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &conn) && r.method == http.MethodGet && connRetries < 2 && ctx.Err() == nil:
			// Reads are idempotent: retry a dropped connection or a 502 twice.
			connRetries++
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(connRetries) * 200 * time.Millisecond):
			}
			continue
		case errors.As(err, &auth) && c.dev.TOTPSecret != "" && !totpRetried && c.totpCode() != code && !clienterr.Interrupted(interrupt):
			// The code went stale in flight (a step boundary): one retry with a fresh one.
			totpRetried = true
			continue
		case errors.As(err, &busy) && r.retryBusy:
			if clienterr.Interrupted(interrupt) {
				return err
			}
			select {
			case <-ctx.Done():
				busy.Waited = c.now().Sub(start)
				return busy
			case <-time.After(delay):
			}
			if delay < 2*time.Second {
				delay *= 2
			}
			continue
		}
		return err
	}
}

// totpCode is the current TOTP code ("" without two-factor).
func (c *Client) totpCode() string {
	if c.dev.TOTPSecret == "" {
		return ""
	}
	code, err := totp.GenerateCodeCustom(c.dev.TOTPSecret, c.now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return ""
	}
	return code
}

// send makes one attempt; it returns the TOTP code it used.
func (c *Client) send(ctx context.Context, r request, out any) (string, error) {
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/api" + r.route
	u.RawQuery = r.query.Encode()
	var body io.ReadCloser
	if r.body != nil {
		b, err := r.body()
		if err != nil {
			return "", err
		}
		body = b
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		if body != nil {
			_ = body.Close()
		}
		return "", err
	}
	if r.body != nil {
		req.ContentLength = r.contentLength
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	code := c.totpCode()
	req.Header.Set("X-KVMD-User", c.dev.Username)
	req.Header.Set("X-KVMD-Passwd", c.dev.Password+code) // kvmd takes password+code with 2FA
	c.logger.Debug("kvmd request", "device", c.dev.Name, "method", r.method, "route", r.route)

	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return code, clienterr.FromContext(ctx, "the answer of "+c.object(r.what), "")
		}
		return code, c.connectionError(clienterr.Info{Object: c.object(r.what), Err: err})
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return code, c.connectionError(clienterr.Info{Object: c.object(r.what), Status: resp.StatusCode, Err: err})
	}
	return code, c.decode(resp, raw, r, out)
}

// decode reads kvmd's envelope, or makes sense of a body that is not one.
func (c *Client) decode(resp *http.Response, raw []byte, r request, out any) error {
	info := clienterr.Info{Object: c.object(r.what), Status: resp.StatusCode}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil || (env.Result == nil && !env.OK) {
		// Not kvmd's JSON: aiohttp's plain 404/405/500, nginx's HTML 502/413, a redirect.
		info.Message = fmt.Sprintf("unexpected %s answer, not kvmd's JSON: %s", resp.Status, snippet(raw))
		switch {
		case resp.StatusCode >= 500:
			return c.connectionError(info)
		case resp.StatusCode == http.StatusUnauthorized:
			info.Hint = credentialsHint
			return &clienterr.AuthenticationError{Info: info}
		case resp.StatusCode == http.StatusForbidden:
			info.Hint = credentialsHint
			return &clienterr.AuthenticationError{Info: info}
		case resp.StatusCode == http.StatusNotFound:
			info.Message = fmt.Sprintf("%s is not a kvmd API route (HTTP 404): is %s a PiKVM, and its kvmd recent enough?", r.route, c.dev.URL)
			return &clienterr.ValidationError{Info: info}
		default:
			return &clienterr.ValidationError{Info: info}
		}
	}
	if resp.StatusCode == http.StatusOK && env.OK {
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(env.Result, out); err != nil {
			info.Message = "kvmd's result could not be read: " + err.Error()
			return &clienterr.ValidationError{Info: info}
		}
		return nil
	}
	var ke kvmdError
	_ = json.Unmarshal(env.Result, &ke)
	info.Class, info.Message = ke.Error, ke.ErrorMsg
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		info.Message = "kvmd got no credentials (" + ke.ErrorMsg + ")"
		info.Hint = credentialsHint
		return &clienterr.AuthenticationError{Info: info}
	case resp.StatusCode == http.StatusForbidden:
		// kvmd answers 403 to a wrong user, password or TOTP code: it has no
		// per-user permissions, so this is a problem of credentials.
		info.Message = "kvmd refused the credentials (" + ke.ErrorMsg + ")"
		info.Hint = credentialsHint
		return &clienterr.AuthenticationError{Info: info}
	case resp.StatusCode == http.StatusConflict:
		return &clienterr.BusyError{Info: info}
	case strings.Contains(ke.Error, "NotFound") || ke.Error == "MsdUnknownImageError":
		info.Hint = notFoundHints[ke.Error]
		return &clienterr.NotFoundError{Info: info}
	case resp.StatusCode >= 500:
		return c.connectionError(info)
	default:
		return &clienterr.ValidationError{Info: info}
	}
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(bytes.ToValidUTF8(b, nil)))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	if s == "" {
		return "(empty body)"
	}
	return s
}

// Is reports whether err is one of kvmd's error classes.
func Is(err error, class string) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		var info *clienterr.Info
		switch t := e.(type) { //nolint:errorlint // walks the chain itself
		case *clienterr.ValidationError:
			info = &t.Info
		case *clienterr.NotFoundError:
			info = &t.Info
		case *clienterr.BusyError:
			info = &t.Info
		case *clienterr.ConflictError:
			info = &t.Info
		}
		if info != nil && info.Class == class {
			return true
		}
	}
	return false
}
