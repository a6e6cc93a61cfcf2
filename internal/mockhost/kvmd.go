package mockhost

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// KVMDOptions shape a fake kvmd. Zero values take kvmd's defaults where it
// has them; tests shorten the timings.
type KVMDOptions struct {
	Users        map[string]string // user -> password; default admin/admin
	TOTPSecret   string            // base32; empty: two-factor off
	AuthDisabled bool

	ATXDisabled    bool
	ClickTime      time.Duration // a click holds the button (kvmd: 0.1 s)
	LongClickTime  time.Duration // a long click (kvmd: 5.5 s)
	BusyAfter      time.Duration // the region stays busy after a press (kvmd: 1 s)
	BootDelay      time.Duration // the host's power LED lights this long after a power press
	ShutdownDelay  time.Duration // and goes dark this long after a soft-off press
	IgnoreSoftOff  bool          // a host whose OS ignores the power button
	InitialPowerOn bool

	MSDDisabled   bool
	MSDOffline    bool
	MSDCapacity   int64 // bytes; default 8 GiB
	GPIOSwitches  []string
	GPIOPulses    []string
	GPIOPulseTime time.Duration // default pulse length (kvmd: 0.1 s)
}

// KVMD is a fake kvmd (PiKVM's daemon) behind its /api prefix, following
// kvmd 4.x's behaviour as written in shared/pikvm-kvmd-api.md.
type KVMD struct {
	opts     KVMDOptions
	server   *http.Server
	url      string
	certPEM  string
	faults   faults
	requests atomic.Int64

	mu       sync.Mutex
	tokens   map[string]string // auth_token cookie -> user
	powerLED bool
	hddLED   bool
	atxBusy  map[string]time.Time // busy region ("power", "reset") -> until
	powerGen int                  // bumps on each press so stale LED timers do nothing

	msd  msdState
	gpio map[string]*gpioChannel
}

type msdState struct {
	busyUntil time.Time
	uploading *msdUpload
	images    map[string]*msdImage
	selected  string
	connected bool
	cdrom     bool
	rw        bool
}

type msdUpload struct {
	name          string
	size, written int64
}

type msdImage struct {
	size     int64
	complete bool
	sha256   string
	modTS    float64
}

type gpioChannel struct {
	pulse     bool
	state     bool
	busyUntil time.Time
	pulses    int
}

var kvmdUserRE = regexp.MustCompile(`^[a-z_]([a-z0-9@._-]*[a-z0-9_-])?$`)

// StartKVMD serves a fake kvmd over plain HTTP on a loopback address such as
// "127.0.0.1:0". StartKVMDTLS serves it over HTTPS, as nginx does in front of
// the real one.
func StartKVMD(addr string, opts KVMDOptions) (*KVMD, error) {
	return startKVMD(addr, opts, false)
}

// StartKVMDTLS serves the fake over HTTPS with a fresh self-signed
// certificate (see CertificatePEM), like a PiKVM out of the box.
func StartKVMDTLS(addr string, opts KVMDOptions) (*KVMD, error) {
	return startKVMD(addr, opts, true)
}

// CertificatePEM is the fake's TLS certificate ("" over plain HTTP).
func (k *KVMD) CertificatePEM() string { return k.certPEM }

func startKVMD(addr string, opts KVMDOptions, useTLS bool) (*KVMD, error) {
	if opts.Users == nil {
		opts.Users = map[string]string{"admin": "admin"}
	}
	if opts.ClickTime == 0 {
		opts.ClickTime = 100 * time.Millisecond
	}
	if opts.LongClickTime == 0 {
		opts.LongClickTime = 5500 * time.Millisecond
	}
	if opts.BusyAfter == 0 {
		opts.BusyAfter = time.Second
	}
	if opts.MSDCapacity == 0 {
		opts.MSDCapacity = 8 << 30
	}
	if opts.GPIOPulseTime == 0 {
		opts.GPIOPulseTime = 100 * time.Millisecond
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	k := &KVMD{
		opts:     opts,
		url:      "http://" + l.Addr().String(),
		tokens:   map[string]string{},
		atxBusy:  map[string]time.Time{},
		powerLED: opts.InitialPowerOn,
		msd:      msdState{images: map[string]*msdImage{}, cdrom: true},
		gpio:     map[string]*gpioChannel{"__internal": {}},
	}
	for _, ch := range opts.GPIOSwitches {
		k.gpio[ch] = &gpioChannel{}
	}
	for _, ch := range opts.GPIOPulses {
		k.gpio[ch] = &gpioChannel{pulse: true}
	}
	k.server = &http.Server{Handler: k, ReadHeaderTimeout: 10 * time.Second}
	if !useTLS {
		go func() { _ = k.server.Serve(l) }()
		return k, nil
	}
	certPEM, keyPEM, err := SelfSignedCertificate("pikvm")
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	pair, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	if err != nil {
		_ = l.Close()
		return nil, err
	}
	k.certPEM, k.url = certPEM, "https://"+l.Addr().String()
	k.server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	go func() { _ = k.server.ServeTLS(l, "", "") }()
	return k, nil
}

// URL is the base URL to give the provider.
func (k *KVMD) URL() string { return k.url }

// Close stops the server.
func (k *KVMD) Close() error { return k.server.Close() }

// Requests is the number of requests served.
func (k *KVMD) Requests() int64 { return k.requests.Load() }

// InjectFault adds a fault; call the returned function to remove it.
func (k *KVMD) InjectFault(f Fault) (remove func()) { return k.faults.Add(f) }

// PowerLED reports the simulated host's power LED.
func (k *KVMD) PowerLED() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.powerLED
}

// SetPowerLED changes the host's power out of band (someone at the machine).
func (k *KVMD) SetPowerLED(on bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.powerLED = on
	k.powerGen++
}

// ImageSHA256 returns the sha256 of an uploaded image's bytes, or "".
func (k *KVMD) ImageSHA256(name string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if img, ok := k.msd.images[name]; ok {
		return img.sha256
	}
	return ""
}

// RemoveImage deletes an image out of band.
func (k *KVMD) RemoveImage(name string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.msd.images, name)
	if k.msd.selected == name {
		k.msd.selected, k.msd.connected = "", false
	}
}

// SetMSDOffline takes the MSD offline (or back).
func (k *KVMD) SetMSDOffline(offline bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.opts.MSDOffline = offline
}

// Pulses counts the pulses a channel has been sent.
func (k *KVMD) Pulses(channel string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ch, ok := k.gpio[channel]; ok {
		return ch.pulses
	}
	return 0
}

// SetGPIO sets a channel's state out of band.
func (k *KVMD) SetGPIO(channel string, state bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ch, ok := k.gpio[channel]; ok {
		ch.state = state
	}
}

// ServeHTTP handles /api/... after faults and authentication.
func (k *KVMD) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.requests.Add(1)
	fault, answered := k.faults.intercept(w, r, func(w http.ResponseWriter, status int, class string) {
		if class == "" {
			class = "InjectedError"
		}
		kvmdError(w, status, class, "injected: "+class)
	})
	defer fault.after()
	if answered {
		return
	}
	if strings.HasSuffix(r.URL.Path, "/") && r.URL.Path != "/" {
		http.Redirect(w, r, strings.TrimSuffix(r.URL.Path, "/"), http.StatusFound) //nolint:gosec // G710: a same-host path, as kvmd does
		return
	}
	route, ok := strings.CutPrefix(r.URL.Path, "/api")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if route == "/auth/login" && r.Method == http.MethodPost {
		k.login(w, r)
		return
	}
	if !k.opts.AuthDisabled && !k.authenticate(w, r) {
		return
	}
	switch {
	case route == "/auth/check":
		kvmdOK(w, map[string]any{})
	case route == "/info" && r.Method == http.MethodGet:
		k.info(w)
	case route == "/atx" && r.Method == http.MethodGet:
		k.atxState(w)
	case route == "/atx/power" && r.Method == http.MethodPost:
		k.atxPower(w, r)
	case route == "/atx/click" && r.Method == http.MethodPost:
		k.atxClick(w, r)
	case route == "/msd" && r.Method == http.MethodGet:
		k.msdGet(w)
	case route == "/msd/write" && r.Method == http.MethodPost:
		k.msdWrite(w, r)
	case route == "/msd/set_params" && r.Method == http.MethodPost:
		k.msdSetParams(w, r)
	case route == "/msd/set_connected" && r.Method == http.MethodPost:
		k.msdSetConnected(w, r)
	case route == "/msd/remove" && r.Method == http.MethodPost:
		k.msdRemove(w, r)
	case route == "/msd/reset" && r.Method == http.MethodPost:
		k.msdReset(w)
	case route == "/gpio" && r.Method == http.MethodGet:
		k.gpioGet(w)
	case route == "/gpio/switch" && r.Method == http.MethodPost:
		k.gpioSwitch(w, r)
	case route == "/gpio/pulse" && r.Method == http.MethodPost:
		k.gpioPulse(w, r)
	default:
		// aiohttp's own plain-text answer for an unknown route.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("404: Not Found"))
	}
}

// authenticate applies kvmd's order: headers, then cookie, then Basic; the
// first present decides. Malformed input is a 400, none at all a 401, wrong a 403.
func (k *KVMD) authenticate(w http.ResponseWriter, r *http.Request) bool {
	user, passwd, present := r.Header.Get("X-KVMD-User"), r.Header.Get("X-KVMD-Passwd"), false
	if user != "" || passwd != "" {
		present = true
	} else if c, err := r.Cookie("auth_token"); err == nil && c.Value != "" {
		k.mu.Lock()
		_, ok := k.tokens[c.Value]
		k.mu.Unlock()
		if !ok {
			kvmdError(w, http.StatusForbidden, "ForbiddenError", "Forbidden")
		}
		return ok
	} else if u, p, ok := basicAuth(r); ok {
		user, passwd, present = u, p, true
	}
	if !present {
		kvmdError(w, http.StatusUnauthorized, "UnauthorizedError", "Unauthorized")
		return false
	}
	if len(user) > 128 || !kvmdUserRE.MatchString(user) {
		kvmdError(w, http.StatusBadRequest, "ValidatorError", fmt.Sprintf("The argument %q is not a valid user", user))
		return false
	}
	if len(passwd) > 512 || strings.ContainsFunc(passwd, func(r rune) bool { return r < 0x20 || r > 0x7e }) {
		kvmdError(w, http.StatusBadRequest, "ValidatorError", "The argument is not a valid password")
		return false
	}
	if !k.checkPassword(user, passwd) {
		kvmdError(w, http.StatusForbidden, "ForbiddenError", "Forbidden")
		return false
	}
	return true
}

// checkPassword: with two-factor on, the password ends with the TOTP code of
// the previous, current or next 30 s step.
func (k *KVMD) checkPassword(user, passwd string) bool {
	want, ok := k.opts.Users[user]
	if !ok {
		return false
	}
	if k.opts.TOTPSecret == "" {
		return passwd == want
	}
	if len(passwd) < 6 || passwd[:len(passwd)-6] != want {
		return false
	}
	code := passwd[len(passwd)-6:]
	now := time.Now()
	for _, step := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		expected, err := totp.GenerateCodeCustom(k.opts.TOTPSecret, now.Add(step), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && expected == code {
			return true
		}
	}
	return false
}

func basicAuth(r *http.Request) (string, string, bool) {
	h := r.Header.Get("Authorization")
	b64, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", "", false
	}
	u, p, ok := strings.Cut(string(raw), ":")
	return u, p, ok
}

func (k *KVMD) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		kvmdError(w, http.StatusBadRequest, "ValidatorError", err.Error())
		return
	}
	user, passwd := r.PostForm.Get("user"), r.PostForm.Get("passwd")
	if !k.checkPassword(user, passwd) {
		kvmdError(w, http.StatusForbidden, "ForbiddenError", "Forbidden")
		return
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s-%d", user, time.Now().UnixNano())))
	token := hex.EncodeToString(sum[:])
	k.mu.Lock()
	k.tokens[token] = user
	k.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "auth_token", Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode}) //nolint:gosec // G124: the fake serves plain HTTP on loopback
	kvmdOK(w, map[string]any{})
}

func (k *KVMD) info(w http.ResponseWriter) {
	kvmdOK(w, map[string]any{
		"system": map[string]any{
			"kvmd":     map[string]any{"version": "4.197-mock"},
			"streamer": map[string]any{"app": "ustreamer", "version": "6.36"},
			"kernel":   map[string]any{"system": "Linux", "release": "6.6.0"},
		},
		"hw": map[string]any{
			"platform": map[string]any{"type": "rpi", "base": "Raspberry Pi 4 Model B Rev 1.5", "model": "v4plus", "serial": "MOCK0000001"},
			"health":   map[string]any{"temp": map[string]any{"cpu": 45.2}},
		},
		"meta":   map[string]any{"server": map[string]any{"host": "pikvm-mock"}, "kvm": map[string]any{}},
		"extras": map[string]any{},
	})
}

// kvmdOK writes {"ok": true, "result": ...}.
func kvmdOK(w http.ResponseWriter, result any) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

// kvmdError writes {"ok": false, "result": {"error": class, "error_msg": msg}}.
func kvmdError(w http.ResponseWriter, status int, class, msg string) {
	writeJSON(w, status, map[string]any{"ok": false, "result": map[string]any{"error": class, "error_msg": msg}})
}

// kvmdBool parses kvmd's booleans: 1/true/yes and 0/false/no, any case.
func kvmdBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "1", "true", "yes":
		return true, true
	case "0", "false", "no":
		return false, true
	}
	return false, false
}
