package mockhost

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func startFake(t *testing.T, opts KVMDOptions) *KVMD {
	t.Helper()
	k, err := StartKVMD("127.0.0.1:0", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	return k
}

func status(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// kvmd checks headers, then the cookie, then Basic: the first present decides.
func TestKVMDAuthOrder(t *testing.T) {
	k := startFake(t, KVMDOptions{})
	form := url.Values{"user": {"admin"}, "passwd": {"admin"}}
	resp, err := http.PostForm(k.URL()+"/api/auth/login", form)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "auth_token" {
			cookie = c
		}
	}
	if cookie == nil {
		t.Fatal("login set no auth_token cookie")
	}
	get := func(mod func(*http.Request)) int {
		req, _ := http.NewRequest(http.MethodGet, k.URL()+"/api/atx", nil)
		mod(req)
		return status(t, req)
	}
	cases := map[string]struct {
		mod  func(*http.Request)
		want int
	}{
		"none":   {func(*http.Request) {}, 401},
		"cookie": {func(r *http.Request) { r.AddCookie(cookie) }, 200},
		"basic":  {func(r *http.Request) { r.SetBasicAuth("admin", "admin") }, 200},
		"wrong headers beat a good cookie": {func(r *http.Request) {
			r.Header.Set("X-KVMD-User", "admin")
			r.Header.Set("X-KVMD-Passwd", "nope")
			r.AddCookie(cookie)
		}, 403},
		"malformed user": {func(r *http.Request) {
			r.Header.Set("X-KVMD-User", "Admin!")
			r.Header.Set("X-KVMD-Passwd", "x")
		}, 400},
	}
	for name, tc := range cases {
		if got := get(tc.mod); got != tc.want {
			t.Errorf("%s: HTTP %d, want %d", name, got, tc.want)
		}
	}
	open := startFake(t, KVMDOptions{AuthDisabled: true})
	req, _ := http.NewRequest(http.MethodGet, open.URL()+"/api/atx", nil)
	if got := status(t, req); got != 200 {
		t.Errorf("auth disabled: HTTP %d", got)
	}
}

// Power actions depend on the LED; presses hold their region busy.
func TestKVMDATX(t *testing.T) {
	k := startFake(t, KVMDOptions{ClickTime: 20 * time.Millisecond, BusyAfter: 300 * time.Millisecond, BootDelay: 100 * time.Millisecond})
	post := func(q string) int {
		req, _ := http.NewRequest(http.MethodPost, k.URL()+"/api/atx/power?"+q, strings.NewReader(""))
		req.SetBasicAuth("admin", "admin")
		return status(t, req)
	}
	if got := post("action=reset_hard"); got != 200 || k.PowerLED() {
		t.Fatalf("reset_hard on a powered-off host must do nothing: %d", got)
	}
	if got := post("action=on"); got != 200 {
		t.Fatalf("on: %d", got)
	}
	if got := post("action=off_hard"); got != 200 {
		// The LED is still off (booting), so off_hard has nothing to do: 200.
		t.Fatalf("off_hard while booting: %d", got)
	}
	time.Sleep(200 * time.Millisecond)
	if !k.PowerLED() {
		t.Fatal("the host did not boot after its boot delay")
	}
	if got := post("action=off"); got != 409 {
		t.Fatalf("a press inside the busy region must be 409, got %d", got)
	}
	if got := post("action=sideways"); got != 400 {
		t.Fatalf("a bad action must be 400, got %d", got)
	}
}

// kvmd takes an image's size from Content-Length: "0" is an empty, complete
// image; no Content-Length at all (a chunked body) is a ValidatorError.
func TestKVMDWriteContentLength(t *testing.T) {
	k := startFake(t, KVMDOptions{})
	write := func(name string, body io.Reader) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, k.URL()+"/api/msd/write?image="+name, body)
		req.SetBasicAuth("admin", "admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// A reader of unknown length is sent chunked, without Content-Length.
	if code, body := write("chunked.img", io.MultiReader(strings.NewReader("data"))); code != 400 || !strings.Contains(body, "None argument is not a valid int") {
		t.Fatalf("chunked upload: %d %s", code, body)
	}
	if code, body := write("empty.img", http.NoBody); code != 200 || !strings.Contains(body, `"size":0`) {
		t.Fatalf("empty upload: %d %s", code, body)
	}
	if got := k.ImageSHA256("empty.img"); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Fatalf("the empty image is not complete: sha256 %q", got)
	}
	if names := k.ImageNames(); len(names) != 1 {
		t.Fatalf("images: %v", names)
	}
}
