package kvmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// ATX is GET /api/atx.
type ATX struct {
	Enabled bool `json:"enabled"`
	Busy    bool `json:"busy"`
	LEDs    struct {
		Power bool `json:"power"`
		HDD   bool `json:"hdd"`
	} `json:"leds"`
}

// ATX reads the power state. Busy answers are retried until ctx ends.
func (c *Client) ATX(ctx context.Context) (*ATX, error) {
	var a ATX
	err := c.call(ctx, request{method: http.MethodGet, route: "/atx", what: "ATX", retryBusy: true}, &a)
	return &a, err
}

// Power asks kvmd for a power action: "on", "off", "off_hard" or
// "reset_hard". kvmd acts only when the power LED allows it (on presses
// power only if the LED is off, and so on) and never waits for the host:
// callers poll the LED. A busy ATX is retried until ctx ends.
func (c *Client) Power(ctx context.Context, action string) error {
	return c.call(ctx, request{method: http.MethodPost, route: "/atx/power", what: "ATX",
		query: url.Values{"action": {action}}, retryBusy: true}, nil)
}

// Click presses a button unconditionally: "power", "power_long" or "reset".
func (c *Client) Click(ctx context.Context, button string) error {
	return c.call(ctx, request{method: http.MethodPost, route: "/atx/click", what: "ATX",
		query: url.Values{"button": {button}}, retryBusy: true}, nil)
}

// MSD is GET /api/msd.
type MSD struct {
	Enabled bool `json:"enabled"`
	Online  bool `json:"online"`
	Busy    bool `json:"busy"`
	Drive   *struct {
		Image *struct {
			Name     string `json:"name"`
			Size     int64  `json:"size"`
			Complete bool   `json:"complete"`
			Writable bool   `json:"writable"`
		} `json:"image"`
		Connected bool `json:"connected"`
		CDROM     bool `json:"cdrom"`
		RW        bool `json:"rw"`
	} `json:"drive"`
	Storage *struct {
		Images map[string]Image `json:"images"`
		Parts  map[string]struct {
			Size     int64 `json:"size"`
			Free     int64 `json:"free"`
			Writable bool  `json:"writable"`
		} `json:"parts"`
		Uploading *struct {
			Name    string `json:"name"`
			Size    int64  `json:"size"`
			Written int64  `json:"written"`
		} `json:"uploading"`
	} `json:"storage"`
}

// Image is one image in the MSD storage.
type Image struct {
	Complete  bool    `json:"complete"`
	Removable bool    `json:"removable"`
	Writable  bool    `json:"writable"`
	Size      int64   `json:"size"`
	ModTS     float64 `json:"mod_ts"`
}

// SelectedImage is the name of the image in the drive, or "".
func (m *MSD) SelectedImage() string {
	if m.Drive == nil || m.Drive.Image == nil {
		return ""
	}
	return m.Drive.Image.Name
}

// Connected reports whether the drive is connected to the host.
func (m *MSD) Connected() bool { return m.Drive != nil && m.Drive.Connected }

// StorageSize and StorageFree are of the MSD partition ("" part), in bytes.
func (m *MSD) StorageSize() (size, free int64) {
	if m.Storage == nil {
		return 0, 0
	}
	p := m.Storage.Parts[""]
	return p.Size, p.Free
}

// MSD reads the virtual media state.
func (c *Client) MSD(ctx context.Context) (*MSD, error) {
	var m MSD
	err := c.call(ctx, request{method: http.MethodGet, route: "/msd", what: "the MSD", retryBusy: true}, &m)
	return &m, err
}

// UploadResult is what kvmd says it stored.
type UploadResult struct {
	Name    string `json:"name"` // kvmd may have sanitised the name: use this one
	Size    int64  `json:"size"`
	Written int64  `json:"written"`
	// SHA256 is of the bytes sent, hashed while streaming (kvmd keeps no checksum).
	SHA256 string `json:"-"`
}

// UploadFile streams a local file to the MSD storage as image name
// (POST /api/msd/write, raw body with Content-Length), hashing it on the way.
// It never holds the file in memory, so multi-GiB ISOs work. removeIncomplete
// asks kvmd to drop the image if the upload breaks off.
func (c *Client) UploadFile(ctx context.Context, name, path string, removeIncomplete bool) (*UploadResult, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	q := url.Values{"image": {name}}
	if removeIncomplete {
		q.Set("remove_incomplete", "1")
	}
	var out struct {
		Image UploadResult `json:"image"`
	}
	var hash hash.Hash
	err = c.call(ctx, request{
		method: http.MethodPost, route: "/msd/write", what: "the MSD", query: q,
		body: func() (io.ReadCloser, error) {
			hash = sha256.New() // afresh for each attempt
			if st.Size() == 0 {
				// kvmd reads the size from Content-Length and accepts 0 (an
				// empty, complete image), but refuses a body without one; Go
				// sends a non-nil body of length 0 chunked, without it.
				return http.NoBody, nil
			}
			f, err := os.Open(path)
			if err != nil {
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{io.TeeReader(f, hash), f}, nil
		},
		contentLength: st.Size(),
		retryBusy:     true, // kvmd refuses a busy write before reading the body
	}, &out)
	if err == nil {
		out.Image.SHA256 = hex.EncodeToString(hash.Sum(nil))
	}
	var v *clienterr.ValidationError
	if errors.As(err, &v) && v.Class == "MsdImageExistsError" {
		// The image is what is in the way; it can be imported.
		v.Object = c.object("MSD image " + strconv.Quote(name))
		err = &clienterr.ConflictError{Info: v.Info, ImportID: c.Name() + ":" + name}
	}
	return &out.Image, err
}

// DriveParams are the parts of set_params to change; nil leaves one as is.
type DriveParams struct {
	Image *string // "" ejects
	CDROM *bool
	RW    *bool
}

// SetDriveParams selects the image and drive mode. The drive must be
// disconnected.
func (c *Client) SetDriveParams(ctx context.Context, p DriveParams) error {
	q := url.Values{}
	if p.Image != nil {
		q.Set("image", *p.Image)
	}
	if p.CDROM != nil {
		q.Set("cdrom", boolParam(*p.CDROM))
	}
	if p.RW != nil {
		q.Set("rw", boolParam(*p.RW))
	}
	err := c.call(ctx, request{method: http.MethodPost, route: "/msd/set_params", what: "the MSD drive", query: q, retryBusy: true}, nil)
	var nf *clienterr.NotFoundError
	if p.Image != nil && errors.As(err, &nf) && nf.Class == "MsdUnknownImageError" {
		// kvmd's "not found" is about the image asked for, not the drive.
		nf.Object = c.object("MSD image " + strconv.Quote(*p.Image))
	}
	return err
}

// msdImageHint is what to do when the drive asks for an image the storage lacks.
const msdImageHint = "Upload the image first: a rack_pikvm_msd_image resource with this name (refer to it from the drive, so that it is uploaded before the drive asks for it). The rack_pikvm_msd data source lists the images in the storage."

// HasImage reports whether the storage holds an image of that name.
func (m *MSD) HasImage(name string) bool {
	if m.Storage == nil {
		return false
	}
	_, ok := m.Storage.Images[name]
	return ok
}

// ImageNotFound is the error for a drive asking for an image that the
// storage (as m lists it) does not hold; it names the images there are.
func (c *Client) ImageNotFound(m *MSD, name string) error {
	names := []string{}
	if m.Storage != nil {
		for n := range m.Storage.Images {
			names = append(names, strconv.Quote(n))
		}
	}
	sort.Strings(names)
	msg := "the storage holds no images"
	if len(names) > 0 {
		msg = "the storage holds " + strings.Join(names, ", ")
	}
	return &clienterr.NotFoundError{Info: clienterr.Info{Object: c.object("MSD image " + strconv.Quote(name)), Message: msg, Hint: msdImageHint}}
}

// SetConnected connects or disconnects the drive. kvmd refuses to connect a
// connected drive (and the reverse): read the state first.
func (c *Client) SetConnected(ctx context.Context, connected bool) error {
	return c.call(ctx, request{method: http.MethodPost, route: "/msd/set_connected", what: "the MSD drive",
		query: url.Values{"connected": {boolParam(connected)}}, retryBusy: true}, nil)
}

// RemoveImage deletes an image from the storage; the drive must be disconnected.
func (c *Client) RemoveImage(ctx context.Context, name string) error {
	return c.call(ctx, request{method: http.MethodPost, route: "/msd/remove", what: "MSD image " + strconv.Quote(name),
		query: url.Values{"image": {name}}, retryBusy: true}, nil)
}

// GPIO is GET /api/gpio: the channel scheme and their states.
type GPIO struct {
	Model struct {
		Scheme struct {
			Inputs  map[string]map[string]any `json:"inputs"`
			Outputs map[string]struct {
				Switch bool `json:"switch"`
				Pulse  struct {
					Delay    float64 `json:"delay"`
					MinDelay float64 `json:"min_delay"`
					MaxDelay float64 `json:"max_delay"`
				} `json:"pulse"`
			} `json:"outputs"`
		} `json:"scheme"`
	} `json:"model"`
	State struct {
		Inputs map[string]struct {
			Online bool `json:"online"`
			State  bool `json:"state"`
		} `json:"inputs"`
		Outputs map[string]struct {
			Online bool `json:"online"`
			State  bool `json:"state"`
			Busy   bool `json:"busy"`
		} `json:"outputs"`
	} `json:"state"`
}

// GPIO reads the channel scheme and states.
func (c *Client) GPIO(ctx context.Context) (*GPIO, error) {
	var g GPIO
	err := c.call(ctx, request{method: http.MethodGet, route: "/gpio", what: "GPIO", retryBusy: true}, &g)
	return &g, err
}

// SwitchGPIO sets a switch channel and waits for kvmd to apply it.
func (c *Client) SwitchGPIO(ctx context.Context, channel string, state bool) error {
	return c.call(ctx, request{method: http.MethodPost, route: "/gpio/switch", what: "GPIO channel " + strconv.Quote(channel),
		query: url.Values{"channel": {channel}, "state": {boolParam(state)}, "wait": {"1"}}, retryBusy: true}, nil)
}

// PulseGPIO pulses a channel (delay 0: the channel's default) and waits for it.
func (c *Client) PulseGPIO(ctx context.Context, channel string, delay time.Duration) error {
	q := url.Values{"channel": {channel}, "wait": {"1"}}
	if delay > 0 {
		q.Set("delay", strconv.FormatFloat(delay.Seconds(), 'f', -1, 64))
	}
	return c.call(ctx, request{method: http.MethodPost, route: "/gpio/pulse", what: "GPIO channel " + strconv.Quote(channel), query: q, retryBusy: true}, nil)
}

// Info is the part of GET /api/info the provider shows.
type Info struct {
	System struct {
		KVMD struct {
			Version string `json:"version"`
		} `json:"kvmd"`
		Platform *Platform `json:"platform"`
	} `json:"system"`
	HW struct {
		Platform *Platform `json:"platform"`
	} `json:"hw"`
	Meta map[string]any `json:"meta"`
}

// Platform is the PiKVM hardware (fields vary by kvmd version and fork).
type Platform struct {
	Type   string `json:"type"`
	Base   string `json:"base"`
	Model  string `json:"model"`
	Serial string `json:"serial"`
}

// Platform returns hw.platform, or system.platform on versions that put it there.
func (i *Info) Platform() Platform {
	switch {
	case i.HW.Platform != nil:
		return *i.HW.Platform
	case i.System.Platform != nil:
		return *i.System.Platform
	}
	return Platform{}
}

// Info reads kvmd's version, platform and meta.
func (c *Client) Info(ctx context.Context) (*Info, error) {
	var i Info
	err := c.call(ctx, request{method: http.MethodGet, route: "/info", what: "device info", retryBusy: true}, &i)
	return &i, err
}

// AuthEnabled asks /api/auth/check without credentials: 200 means the
// device has authentication off.
func (c *Client) AuthEnabled(ctx context.Context) (bool, error) {
	u := *c.base
	u.Path = u.Path + "/api/auth/check"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return false, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode != http.StatusOK, nil
}

func boolParam(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// SettledOutput reads an output channel's state, waiting (within ctx) for
// the channel to stop being busy: kvmd reports false for a busy channel.
func (c *Client) SettledOutput(ctx context.Context, channel string) (state, exists bool, err error) {
	for {
		g, err := c.GPIO(ctx)
		if err != nil {
			return false, false, err
		}
		st, ok := g.State.Outputs[channel]
		if _, inScheme := g.Model.Scheme.Outputs[channel]; !inScheme || !ok {
			return false, false, nil
		}
		if !st.Busy {
			return st.State, true, nil
		}
		select {
		case <-ctx.Done():
			return false, true, &clienterr.BusyError{Info: clienterr.Info{Object: c.object("GPIO channel " + strconv.Quote(channel)), Class: "GpioChannelIsBusyError"}}
		case <-time.After(100 * time.Millisecond):
		}
	}
}
