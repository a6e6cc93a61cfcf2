package kvmd

import (
	"errors"
	"net/http"
	"testing"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// FuzzKVMDDecode feeds decode arbitrary answers: it never panics, every
// failure is one of the typed errors carrying the HTTP status, a non-2xx
// answer is never taken for success, and refused credentials are always an
// Authentication error.
func FuzzKVMDDecode(f *testing.F) {
	seeds := []struct {
		status int
		body   string
	}{
		{200, `{"ok": true, "result": {"enabled": true, "busy": false, "leds": {"power": true, "hdd": false}}}`},
		{200, `{"ok": true, "result": {}}`},
		{200, `{"ok": true, "result": null}`},
		{200, `{"ok": false, "result": {"error": "AtxDisabledError", "error_msg": "ATX is disabled"}}`},
		{400, `{"ok": false, "result": {"error": "ValidatorError", "error_msg": "Invalid ATX power action: 'of'"}}`},
		{400, `{"ok": false, "result": {"error": "MsdUnknownImageError", "error_msg": "The image is not found in the storage"}}`},
		{401, `{"ok": false, "result": {"error": "UnauthorizedError", "error_msg": "Unauthorized"}}`},
		{403, `{"ok": false, "result": {"error": "ForbiddenError", "error_msg": "Forbidden"}}`},
		{404, `{"ok": false, "result": {"error": "GpioChannelNotFoundError", "error_msg": "GPIO channel is not found"}}`},
		{409, `{"ok": false, "result": {"error": "AtxOperationError", "error_msg": "Performing another ATX operation for other client"}}`},
		{409, `{"ok": false, "result": {"error": "MsdIsBusyError", "error_msg": "Performing another MSD operation, please try again later"}}`},
		{500, `{"ok": false, "result": {"error": "Exception", "error_msg": "Unknown error"}}`},
		{404, `404: Not Found`},
		{405, `405: Method Not Allowed`},
		{413, "<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>"},
		{502, "<html><head><title>502 Bad Gateway</title></head></html>"},
		{302, ""},
		{200, ""},
		{200, "null"},
		{200, `{"ok": true}`},
		{200, `{"ok": true, "result": [1, 2]}`},
		{204, `{"ok": true, "result": {}}`},
		{0, `{"result": {"error": 7}}`},
		{999, "\xff\xfe"},
	}
	for _, s := range seeds {
		f.Add(s.status, []byte(s.body), true)
	}
	c, err := New(Device{Name: "kvm1", URL: "https://127.0.0.1:1", Username: "admin", Password: "admin"}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, withOut bool) {
		resp := &http.Response{StatusCode: status, Status: http.StatusText(status)}
		var out any
		if withOut {
			out = &struct {
				Enabled bool            `json:"enabled"`
				LEDs    map[string]bool `json:"leds"`
			}{}
		}
		err := c.decode(resp, body, request{method: http.MethodGet, route: "/atx", what: "ATX"}, out)
		if err == nil {
			if status < 200 || status > 299 {
				t.Fatalf("HTTP %d with body %q decoded as success", status, body)
			}
			return
		}
		info := typedInfo(err)
		if info == nil {
			t.Fatalf("HTTP %d with body %q: untyped error %T: %v", status, body, err, err)
		}
		if info.Status != status {
			t.Fatalf("HTTP %d: the error carries status %d", status, info.Status)
		}
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			var auth *clienterr.AuthenticationError
			if !errors.As(err, &auth) || auth.Hint == "" {
				t.Fatalf("HTTP %d with body %q: got %T, want an Authentication error with advice", status, body, err)
			}
		}
		_ = err.Error() // formatting never panics either
	})
}

// typedInfo is the Info of a typed error of clienterr, nil for anything else.
func typedInfo(err error) *clienterr.Info {
	var (
		nf   *clienterr.NotFoundError
		perm *clienterr.PermissionError
		auth *clienterr.AuthenticationError
		conf *clienterr.ConflictError
		busy *clienterr.BusyError
		val  *clienterr.ValidationError
		conn *clienterr.ConnectionError
	)
	switch {
	case errors.As(err, &nf):
		return &nf.Info
	case errors.As(err, &perm):
		return &perm.Info
	case errors.As(err, &auth):
		return &auth.Info
	case errors.As(err, &conf):
		return &conf.Info
	case errors.As(err, &busy):
		return &busy.Info
	case errors.As(err, &val):
		return &val.Info
	case errors.As(err, &conn):
		return &conn.Info
	}
	return nil
}
