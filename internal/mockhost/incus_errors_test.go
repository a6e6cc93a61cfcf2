package mockhost

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// The fake answers each failed instance request with incusd 6.0.4's status
// and text (docs-internal/incus-error-texts.md): the same cases run against a
// real incusd when RACK_ACC_INCUS_SOCKET names its socket.
func TestIncusErrorTexts(t *testing.T) {
	hosts := mockAndRealSockets(t)
	image := os.Getenv("RACK_ACC_INCUS_IMAGE")
	if image == "" {
		image = "rack-busybox"
	}

	type want struct {
		status int    // HTTP status of a refused request; 0: the operation fails
		code   int    // error_code of the failed operation's wait
		text   string // the server's text
	}
	create := func(extra string) string {
		return `{"name":"%s","source":{"type":"image","alias":"` + image + `"}` + extra + `}`
	}
	cases := []struct {
		name   string
		method string
		path   string // %s: the instance's name
		body   string // %s: the instance's name
		exists bool   // the instance is created (stopped) first
		want   want
	}{
		{"list, project missing", "GET", "/1.0/instances?project=rack-nosuchproj", "", false,
			want{status: 200}},
		{"create, project missing", "POST", "/1.0/instances?project=rack-nosuchproj", create(``), false,
			want{status: 404, text: "Failed loading project: Project not found"}},
		{"read, project missing", "GET", "/1.0/instances/%s?project=rack-nosuchproj&recursion=1", "", false,
			want{status: 404, text: "Project not found"}},
		{"update, project missing", "PUT", "/1.0/instances/%s?project=rack-nosuchproj", `{}`, false,
			want{status: 404, text: "Project not found"}},
		{"start, project missing", "PUT", "/1.0/instances/%s/state?project=rack-nosuchproj", `{"action":"start"}`, false,
			want{status: 404, text: "Project not found"}},
		{"create, profile missing", "POST", "/1.0/instances", create(`,"profiles":["default","rack-nosuchprof"]`), false,
			want{status: 500, text: `Requested profile "rack-nosuchprof" doesn't exist`}},
		{"update, profile missing", "PUT", "/1.0/instances/%s", `{"profiles":["default","rack-nosuchprof"],"devices":{}}`, true,
			want{status: 404, text: "Profile not found"}},
		{"create, alias missing", "POST", "/1.0/instances", `{"name":"%s","source":{"type":"image","alias":"rack-nosuchalias"}}`, false,
			want{code: 500, text: "Image not provided for instance creation"}},
		{"create, fingerprint missing", "POST", "/1.0/instances", `{"name":"%s","source":{"type":"image","fingerprint":"0123456789abcdef"}}`, false,
			want{code: 500, text: "Image not provided for instance creation"}},
		{"create, network missing", "POST", "/1.0/instances", create(`,"devices":{"eth0":{"type":"nic","network":"rack-nosuchnet"}}`), false,
			want{code: 404, text: `Failed creating instance record: Failed initializing instance: Invalid devices: Device validation failed for "eth0": Failed loading device "eth0": Failed to load network "rack-nosuchnet" for project "default": Network not found`}},
		{"update, network missing", "PUT", "/1.0/instances/%s", `{"profiles":["default"],"devices":{"eth0":{"type":"nic","network":"rack-nosuchnet"}}}`, true,
			want{code: 404, text: `Invalid devices: Device validation failed for "eth0": Failed loading device "eth0": Failed to load network "rack-nosuchnet" for project "default": Network not found`}},
		{"create, bridge parent missing, started", "POST", "/1.0/instances", create(`,"start":true,"devices":{"eth0":{"type":"nic","nictype":"bridged","parent":"racknobr0"}}`), false,
			want{code: 500, text: `Failed to start device "eth0": Parent device "racknobr0" doesn't exist`}},
		{"create, pool missing", "POST", "/1.0/instances", create(`,"devices":{"data":{"type":"disk","pool":"rack-nosuchpool","source":"v","path":"/data"}}`), false,
			want{code: 404, text: `Failed creating instance record: Failed initializing instance: Failed add validation for device "data": Failed to get storage pool "rack-nosuchpool": Storage pool not found`}},
		{"create, root pool missing", "POST", "/1.0/instances", create(`,"devices":{"root":{"type":"disk","pool":"rack-nosuchpool","path":"/"}}`), false,
			want{code: 404, text: `Failed creating instance record: Failed initializing instance: Failed loading storage pool: Storage pool not found`}},
		{"create, volume missing", "POST", "/1.0/instances", create(`,"devices":{"data":{"type":"disk","pool":"default","source":"rack-nosuchvol","path":"/data"}}`), false,
			want{code: 404, text: `Failed creating instance record: Failed initializing instance: Failed add validation for device "data": Failed loading custom volume: Storage volume not found`}},
		{"create, source path missing", "POST", "/1.0/instances", create(`,"devices":{"data":{"type":"disk","source":"/rack/nonexistent","path":"/data"}}`), false,
			want{code: 500, text: `Failed creating instance record: Failed initializing instance: Failed add validation for device "data": Missing source path "/rack/nonexistent" for disk "data"`}},
		{"create, root disk without pool", "POST", "/1.0/instances", create(`,"devices":{"root":{"type":"disk","path":"/"}}`), false,
			want{code: 500, text: `Failed creating instance record: Failed initializing instance: Invalid devices: Device validation failed for "root": Root disk entry must have a "pool" property set`}},
		{"create, unknown device type", "POST", "/1.0/instances", create(`,"devices":{"x":{"type":"bogus"}}`), false,
			want{code: 500, text: `Failed creating instance record: Invalid device type "bogus"`}},
		{"update, unknown device type", "PUT", "/1.0/instances/%s", `{"profiles":["default"],"devices":{"x":{"type":"bogus"}}}`, true,
			want{code: 500, text: `Invalid devices: Device validation failed for "x": Failed loading device "x": Unsupported device type`}},
		{"update, pool missing", "PUT", "/1.0/instances/%s", `{"profiles":["default"],"devices":{"data":{"type":"disk","pool":"rack-nosuchpool","source":"v","path":"/data"}}}`, true,
			want{code: 404, text: `Failed add validation for device "data": Failed to get storage pool "rack-nosuchpool": Storage pool not found`}},
		{"update, root pool changed", "PUT", "/1.0/instances/%s", `{"profiles":["default"],"devices":{"root":{"type":"disk","pool":"rack-nosuchpool","path":"/"}}}`, true,
			want{code: 500, text: `Cannot update root disk device pool name to "rack-nosuchpool"`}},
		{"update, source path missing", "PUT", "/1.0/instances/%s", `{"profiles":["default"],"devices":{"data":{"type":"disk","source":"/rack/nonexistent","path":"/data"}}}`, true,
			want{code: 500, text: `Failed add validation for device "data": Missing source path "/rack/nonexistent" for disk "data"`}},
		{"update, no root disk", "PUT", "/1.0/instances/%s", `{"profiles":[],"devices":{}}`, true,
			want{code: 500, text: "Invalid root disk device: No root device could be found"}},
	}
	for hostName, socket := range hosts {
		t.Run(hostName, func(t *testing.T) {
			h := &rawIncus{t: t, socket: socket}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					h.t = t
					name := "rackerr-" + randomHex()
					t.Cleanup(func() { h.forget(name) })
					if tc.exists {
						h.mustSucceed("POST", "/1.0/instances", fmt.Sprintf(create(``), name))
					}
					path, body := tc.path, tc.body
					if bytes.Contains([]byte(path), []byte("%s")) {
						path = fmt.Sprintf(path, name)
					}
					if bytes.Contains([]byte(body), []byte("%s")) {
						body = fmt.Sprintf(body, name)
					}
					if tc.method == "PUT" && tc.exists && body != "" {
						body = h.withConfig(name, body) // incusd keeps volatile keys only when they are sent back
					}
					status, env := h.do(tc.method, path, body)
					if tc.want.status != 0 {
						if status != tc.want.status || env.Error != tc.want.text {
							t.Fatalf("%s %s: got HTTP %d %q\nwant HTTP %d %q", tc.method, path, status, env.Error, tc.want.status, tc.want.text)
						}
						return
					}
					if env.Type != "async" {
						t.Fatalf("%s %s: got HTTP %d %s %q, want an operation", tc.method, path, status, env.Type, env.Error)
					}
					var op struct {
						ID string `json:"id"`
					}
					_ = json.Unmarshal(env.Metadata, &op)
					status, wait := h.do("GET", "/1.0/operations/"+op.ID+"/wait?timeout=30", "")
					if status != 200 || wait.Type != "error" || wait.Code != tc.want.code || wait.Error != tc.want.text {
						t.Fatalf("wait: got HTTP %d %s error_code %d %q\nwant HTTP 200 error error_code %d %q", status, wait.Type, wait.Code, wait.Error, tc.want.code, tc.want.text)
					}
				})
			}
		})
	}
}

// rawIncus speaks incusd's REST API over its unix socket, with no client in between.
type rawIncus struct {
	t      *testing.T
	socket string
}

type envelope struct {
	Type     string          `json:"type"`
	Code     int             `json:"error_code"`
	Error    string          `json:"error"`
	Metadata json.RawMessage `json:"metadata"`
}

func (h *rawIncus) do(method, path, body string) (int, envelope) {
	h.t.Helper()
	return h.doWith(method, path, body, "")
}

// doWith sends a request with an If-Match header (none when ifMatch is "").
func (h *rawIncus) doWith(method, path, body, ifMatch string) (int, envelope) {
	h.t.Helper()
	c := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", h.socket)
		},
	}}
	var r io.Reader
	if body != "" {
		r = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, "http://incus"+path, r)
	if err != nil {
		h.t.Fatal(err)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", `"`+ifMatch+`"`)
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, env
}

// mustSucceed sends a request and waits for its operation, if any.
func (h *rawIncus) mustSucceed(method, path, body string) {
	h.t.Helper()
	status, env := h.do(method, path, body)
	if env.Type == "async" {
		var op struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(env.Metadata, &op)
		status, env = h.do("GET", "/1.0/operations/"+op.ID+"/wait?timeout=30", "")
	}
	if status != 200 || env.Type == "error" {
		h.t.Fatalf("%s %s: HTTP %d %q", method, path, status, env.Error)
	}
}

// withConfig adds the instance's current config to a PUT body.
func (h *rawIncus) withConfig(name, body string) string {
	h.t.Helper()
	_, env := h.do("GET", "/1.0/instances/"+name, "")
	var inst struct {
		Config map[string]string `json:"config"`
	}
	_ = json.Unmarshal(env.Metadata, &inst)
	var put map[string]any
	if err := json.Unmarshal([]byte(body), &put); err != nil {
		h.t.Fatal(err)
	}
	put["config"] = inst.Config
	b, _ := json.Marshal(put)
	return string(b)
}

// forget stops and deletes an instance if it exists.
func (h *rawIncus) forget(name string) {
	if status, _ := h.do("GET", "/1.0/instances/"+name, ""); status != 200 {
		return
	}
	status, env := h.do("PUT", "/1.0/instances/"+name+"/state", `{"action":"stop","force":true}`)
	if status == 202 && env.Type == "async" {
		var op struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(env.Metadata, &op)
		h.do("GET", "/1.0/operations/"+op.ID+"/wait?timeout=30", "")
	}
	h.mustSucceed("DELETE", "/1.0/instances/"+name, "")
}

func randomHex() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
