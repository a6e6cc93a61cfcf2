package kvmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/pquerna/otp/totp"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/mockhost"
)

func fake(t *testing.T, opts mockhost.KVMDOptions) *mockhost.KVMD {
	t.Helper()
	k, err := mockhost.StartKVMD("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	return k
}

func client(t *testing.T, url string, mod func(*Device)) *Client {
	t.Helper()
	d := Device{Name: "kvm1", URL: url, Username: "admin", Password: "admin"}
	if mod != nil {
		mod(&d)
	}
	c, err := New(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := clienterr.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestAuthentication(t *testing.T) {
	secret, _ := totp.Generate(totp.GenerateOpts{Issuer: "rack", AccountName: "admin"})
	k := fake(t, mockhost.KVMDOptions{TOTPSecret: secret.Secret()})

	if _, err := client(t, k.URL(), func(d *Device) { d.TOTPSecret = secret.Secret() }).ATX(context.Background()); err != nil {
		t.Fatalf("password + TOTP code: %v", err)
	}
	_, err := client(t, k.URL(), nil).ATX(context.Background())
	// kvmd's 403 means wrong credentials: an Authentication error with
	// PiKVM advice only.
	var auth *clienterr.AuthenticationError
	if !errors.As(err, &auth) || auth.Status != 403 || auth.Class != "ForbiddenError" || !strings.Contains(auth.Hint, "totp_secret") || strings.Contains(auth.Hint, "incus") {
		t.Fatalf("missing TOTP code: got %v (hint %q)", err, auth.Hint)
	}
	other, _ := totp.Generate(totp.GenerateOpts{Issuer: "rack", AccountName: "x"})
	_, err = client(t, k.URL(), func(d *Device) { d.TOTPSecret = other.Secret() }).ATX(context.Background())
	if !errors.As(err, &auth) {
		t.Fatalf("wrong TOTP secret: got %v", err)
	}
	_, err = client(t, k.URL(), func(d *Device) { d.Username = "Bad User" }).ATX(context.Background())
	var val *clienterr.ValidationError
	if !errors.As(err, &val) || val.Class != "ValidatorError" {
		t.Fatalf("malformed user: got %v", err)
	}
}

func TestNoCredentialsIs401(t *testing.T) {
	k := fake(t, mockhost.KVMDOptions{})
	resp, err := http.Get(k.URL() + "/api/atx")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credentials: HTTP %d, want 401", resp.StatusCode)
	}
	open := fake(t, mockhost.KVMDOptions{AuthDisabled: true})
	c := client(t, open.URL(), nil)
	if enabled, err := c.AuthEnabled(context.Background()); err != nil || enabled {
		t.Fatalf("auth disabled device: enabled=%v err=%v", enabled, err)
	}
	if enabled, err := client(t, k.URL(), nil).AuthEnabled(context.Background()); err != nil || !enabled {
		t.Fatalf("auth enabled device: enabled=%v err=%v", enabled, err)
	}
}

func TestBusyIsRetriedThenReported(t *testing.T) {
	k := fake(t, mockhost.KVMDOptions{ClickTime: 50 * time.Millisecond, BusyAfter: 400 * time.Millisecond})
	c := client(t, k.URL(), nil)
	if err := c.Power(context.Background(), "on"); err != nil {
		t.Fatal(err)
	}
	// A second press right away finds the power region busy: retried, then done.
	start := time.Now()
	if err := c.Click(ctxTimeout(t, 5*time.Second), "power"); err != nil {
		t.Fatalf("busy should be retried: %v", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Fatalf("no busy wait happened")
	}

	k.InjectFault(mockhost.Fault{Method: "GET", PathPrefix: "/api/msd", Status: 409, Message: "MsdIsBusyError"})
	_, err := c.MSD(ctxTimeout(t, 700*time.Millisecond))
	var busy *clienterr.BusyError
	if !errors.As(err, &busy) || busy.Waited < 500*time.Millisecond || busy.Class != "MsdIsBusyError" {
		t.Fatalf("busy past the deadline: got %#v", err)
	}
}

func TestNonJSONAnswers(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   any
	}{
		{502, "<html><body>502 Bad Gateway</body></html>", &clienterr.ConnectionError{}},
		{500, "500 Internal Server Error\n\nServer got itself in trouble", &clienterr.ConnectionError{}},
		{413, "<html>413 Request Entity Too Large</html>", &clienterr.ValidationError{}},
		{404, "404: Not Found", &clienterr.ValidationError{}},
		{200, "", &clienterr.ValidationError{}},
		{302, "", &clienterr.ValidationError{}},
	}
	for _, tc := range cases {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if tc.status == 302 {
				http.Redirect(w, r, "/login", http.StatusFound)
				return
			}
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(tc.body))
		}))
		_, err := client(t, srv.URL, nil).ATX(context.Background())
		srv.Close()
		if err == nil || typeName(err) != typeName(tc.want) {
			t.Errorf("HTTP %d %q: got %T %v", tc.status, tc.body, err, err)
		}
	}
}

// typeName is the bare type name of an error value ("ConnectionError").
func typeName(v any) string {
	name := fmt.Sprintf("%T", v)
	return name[strings.LastIndex(name, ".")+1:]
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := client(t, url, nil).ATX(context.Background())
	var conn *clienterr.ConnectionError
	if !errors.As(err, &conn) || conn.Address != url {
		t.Fatalf("got %#v", err)
	}
}

func TestMSDUploadAndErrors(t *testing.T) {
	k := fake(t, mockhost.KVMDOptions{})
	c := client(t, k.URL(), nil)
	ctx := ctxTimeout(t, 10*time.Second)
	path := filepath.Join(t.TempDir(), "boot.iso")
	data := []byte(strings.Repeat("rack", 300000))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := c.UploadFile(ctx, "boot.iso", path, true)
	if err != nil || res.Name != "boot.iso" || res.Written != int64(len(data)) {
		t.Fatalf("upload: %+v %v", res, err)
	}
	sum := sha256.Sum256(data)
	if k.ImageSHA256("boot.iso") != hex.EncodeToString(sum[:]) {
		t.Fatalf("uploaded bytes differ")
	}
	_, err = c.UploadFile(ctx, "boot.iso", path, true)
	var ce *clienterr.ConflictError
	if !Is(err, "MsdImageExistsError") || !errors.As(err, &ce) || ce.ImportID != "kvm1:boot.iso" ||
		ce.Object != `MSD image "boot.iso" of PiKVM "kvm1"` {
		t.Fatalf("second upload: %T %v", err, err)
	}
	name := "nope.iso"
	err = c.SetDriveParams(ctx, DriveParams{Image: &name})
	var nf *clienterr.NotFoundError
	if !errors.As(err, &nf) || nf.Class != "MsdUnknownImageError" {
		t.Fatalf("unknown image: %v", err)
	}
	// kvmd's "not found" is about the image asked for, not the drive.
	if nf.Object != `MSD image "nope.iso" of PiKVM "kvm1"` || !strings.Contains(nf.Hint, "rack_pikvm_msd_image") {
		t.Fatalf("unknown image blames %s (hint %q)", nf.Object, nf.Hint)
	}
	m, err := c.MSD(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.HasImage("nope.iso") || !m.HasImage("boot.iso") {
		t.Fatalf("HasImage disagrees with the storage: %+v", m.Storage)
	}
	err = c.ImageNotFound(m, "nope.iso")
	if !errors.As(err, &nf) || nf.Object != `MSD image "nope.iso" of PiKVM "kvm1"` || !strings.Contains(err.Error(), `the storage holds "boot.iso"`) {
		t.Fatalf("ImageNotFound: %v", err)
	}
	if err := c.SetConnected(ctx, true); !Is(err, "MsdImageNotSelected") {
		t.Fatalf("connect with no image: %v", err)
	}
	iso := "boot.iso"
	rw := true
	if err := c.SetDriveParams(ctx, DriveParams{Image: &iso, RW: &rw}); err != nil {
		t.Fatal(err)
	}
	m, err = c.MSD(ctx)
	if err != nil || m.SelectedImage() != "boot.iso" || m.Drive.RW {
		t.Fatalf("rw must be forced off for an .iso: %+v %v", m.Drive, err)
	}
	if err := c.SetConnected(ctx, true); err != nil {
		t.Fatal(err)
	}
	if err := c.SetConnected(ctx, true); !Is(err, "MsdConnectedError") {
		t.Fatalf("connecting twice: %v", err)
	}
}

func TestTLS(t *testing.T) {
	k, err := mockhost.StartKVMDTLS("127.0.0.1:0", mockhost.KVMDOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	if _, err := client(t, k.URL(), func(d *Device) { d.CACertificate = k.CertificatePEM() }).ATX(context.Background()); err != nil {
		t.Fatalf("with the device's certificate as CA: %v", err)
	}
	if _, err := client(t, k.URL(), func(d *Device) { d.Insecure = true }).ATX(context.Background()); err != nil {
		t.Fatalf("insecure: %v", err)
	}
	_, err = client(t, k.URL(), nil).ATX(context.Background())
	var conn *clienterr.ConnectionError
	if !errors.As(err, &conn) || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("self-signed without CA: got %v", err)
	}
}

// A TOTP code that goes stale between sending and checking (a 30 s step
// boundary) gets one retry with the new code.
func TestTOTPRetryAtStepBoundary(t *testing.T) {
	key, _ := totp.Generate(totp.GenerateOpts{Issuer: "rack", AccountName: "admin"})
	boundary := time.Unix(1_800_000_000, 0) // a multiple of 30 s
	later, _ := totp.GenerateCode(key.Secret(), boundary.Add(time.Second))
	attempts := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts++
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("X-KVMD-Passwd") != "admin"+later {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"ok": false, "result": {"error": "ForbiddenError", "error_msg": "Forbidden"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"ok": true, "result": {"enabled": true, "busy": false, "leds": {"power": true, "hdd": false}}}`))
	}))
	defer srv.Close()
	c := client(t, srv.URL, func(d *Device) { d.TOTPSecret = key.Secret() })
	calls := 0
	c.now = func() time.Time {
		calls++
		if calls <= 2 { // the call's start time, then the first code sent
			return boundary.Add(-10 * time.Millisecond)
		}
		return boundary.Add(time.Second)
	}
	if _, err := c.ATX(context.Background()); err != nil || attempts != 2 {
		t.Fatalf("err=%v attempts=%d, want success on the second attempt", err, attempts)
	}
}

// Reads survive a dropped connection; writes are never sent twice.
func TestReadsRetryConnectionErrors(t *testing.T) {
	k := fake(t, mockhost.KVMDOptions{})
	c := client(t, k.URL(), nil)
	k.InjectFault(mockhost.Fault{Method: "GET", PathPrefix: "/api/atx", Drop: true, Times: 1})
	if _, err := c.ATX(context.Background()); err != nil {
		t.Fatalf("a read after one dropped connection: %v", err)
	}
	k.InjectFault(mockhost.Fault{Method: "POST", PathPrefix: "/api/atx/power", Drop: true, Times: 1})
	before := k.Requests()
	err := c.Power(context.Background(), "on")
	var conn *clienterr.ConnectionError
	if !errors.As(err, &conn) || k.Requests()-before != 1 {
		t.Fatalf("a write must not be re-sent: err=%v requests=%d", err, k.Requests()-before)
	}
}

// Neither the logs nor the errors ever carry the password or TOTP secret.
func TestSecretsStayOutOfLogsAndErrors(t *testing.T) {
	k := fake(t, mockhost.KVMDOptions{Users: map[string]string{"admin": "hunter2-very-secret"}})
	var logs bytes.Buffer
	logger := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: &logs})
	const totpSecret = "JBSWY3DPEHPK3PXP"
	c, err := New(Device{Name: "kvm1", URL: k.URL(), Username: "admin", Password: "wrong-but-secret", TOTPSecret: totpSecret}, logger)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ATX(context.Background())
	if err == nil {
		t.Fatal("expected a refusal")
	}
	for _, secret := range []string{"wrong-but-secret", "hunter2-very-secret", totpSecret} {
		if strings.Contains(logs.String(), secret) || strings.Contains(err.Error(), secret) {
			t.Fatalf("secret %q leaked:\nlogs: %s\nerror: %v", secret, logs.String(), err)
		}
	}
	if logs.Len() == 0 {
		t.Fatal("nothing was logged at trace level: the check above proves nothing")
	}
}

// kvmd's "not found" classes name the channel or image, with PiKVM advice.
func TestNotFoundNamesTheObject(t *testing.T) {
	k := fake(t, mockhost.KVMDOptions{})
	c := client(t, k.URL(), nil)
	ctx := ctxTimeout(t, 10*time.Second)
	for _, err := range []error{c.SwitchGPIO(ctx, "rack-nochannel", true), c.PulseGPIO(ctx, "rack-nochannel", 0)} {
		var nf *clienterr.NotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("unknown channel: %T %v", err, err)
		}
		if nf.Class != "GpioChannelNotFoundError" || nf.Object != `GPIO channel "rack-nochannel" of PiKVM "kvm1"` ||
			!strings.Contains(nf.Hint, "rack_pikvm_gpio data source") {
			t.Fatalf("unknown channel: %v (hint %q)", err, nf.Hint)
		}
	}
	err := c.RemoveImage(ctx, "rack-noimage.iso")
	var nf *clienterr.NotFoundError
	if !errors.As(err, &nf) || nf.Object != `MSD image "rack-noimage.iso" of PiKVM "kvm1"` {
		t.Fatalf("removing an unknown image: %v", err)
	}
}
