package provider

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/pikvm"
)

// pikvmModel is one `pikvm` block of the provider.
type pikvmModel struct {
	Name           types.String `tfsdk:"name"`
	URL            types.String `tfsdk:"url"`
	Username       types.String `tfsdk:"username"`
	Password       types.String `tfsdk:"password"`
	TOTPSecret     types.String `tfsdk:"totp_secret"`
	CACertificate  types.String `tfsdk:"ca_certificate"`
	Insecure       types.Bool   `tfsdk:"insecure"`
	RequestTimeout types.String `tfsdk:"request_timeout"`
}

func pikvmBlock() schema.ListNestedBlock {
	return schema.ListNestedBlock{
		Description: "A PiKVM device. PiKVM resources choose one with their `pikvm` attribute, so `for_each` over many machines needs no provider aliases.",
		Validators:  []validator.List{listvalidator.UniqueValues()},
		NestedObject: schema.NestedBlockObject{Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true, Description: "Name that resources use to select this device.",
				Validators: []validator.String{remoteNameValidator}},
			"url":      schema.StringAttribute{Optional: true, Description: "Address of the PiKVM, such as `https://pikvm.lan`. Defaults to `PIKVM_URL`."},
			"username": schema.StringAttribute{Optional: true, Description: "kvmd user. Defaults to `PIKVM_USERNAME`, then `admin`."},
			"password": schema.StringAttribute{Optional: true, Sensitive: true, Description: "kvmd password. Defaults to `PIKVM_PASSWORD`."},
			"totp_secret": schema.StringAttribute{Optional: true, Sensitive: true,
				Description: "Base32 TOTP secret when two-factor authentication is on; the current code is appended to the password on every request. Defaults to `PIKVM_TOTP_SECRET`."},
			"ca_certificate": schema.StringAttribute{Optional: true, Description: "PEM certificate of the CA (or the device's own self-signed certificate) to trust."},
			"insecure":       schema.BoolAttribute{Optional: true, Description: "Skip TLS verification (kvmd's default certificate is self-signed). Prefer `ca_certificate`."},
			"request_timeout": schema.StringAttribute{Optional: true, Description: "Timeout of one HTTP request, as a duration (`30s` by default). Uploads are bounded by the resource's timeouts instead.",
				Validators: []validator.String{durationValidator{}}},
		}},
	}
}

// pikvmDevices are the configured devices and their clients.
type pikvmDevices struct {
	clients       map[string]*pikvm.Client
	defaultDevice string
}

// client returns the device by name ("" is the default). Naming no
// configured device is the configuration's fault, found before any request:
// a plain error, not a server's answer.
func (d *pikvmDevices) client(name string) (*pikvm.Client, error) {
	if name == "" {
		name = d.defaultDevice
	}
	if name == "" {
		return nil, errors.New("no PiKVM is configured, so no request was sent: add a pikvm block to the provider, or set PIKVM_URL, PIKVM_USERNAME and PIKVM_PASSWORD")
	}
	c, ok := d.clients[name]
	if !ok {
		names := make([]string, 0, len(d.clients))
		for n := range d.clients {
			names = append(names, strconv.Quote(n))
		}
		sort.Strings(names)
		return nil, fmt.Errorf("no PiKVM named %q is configured, so no request was sent. The provider's PiKVMs: %s. Set pikvm to one of them, or add a pikvm block named %q to the provider",
			name, strings.Join(names, ", "), name)
	}
	return c, nil
}

// configurePiKVMs builds the device clients from pikvm blocks and PIKVM_*
// variables; errors go on the attribute to fix.
func configurePiKVMs(cfg providerModel, diags *diag.Diagnostics) *pikvmDevices {
	env := pikvm.Device{
		URL:        os.Getenv("PIKVM_URL"),
		Username:   os.Getenv("PIKVM_USERNAME"),
		Password:   os.Getenv("PIKVM_PASSWORD"),
		TOTPSecret: os.Getenv("PIKVM_TOTP_SECRET"),
	}
	blocks := cfg.PiKVMs
	if len(blocks) == 0 && env.URL != "" {
		blocks = []pikvmModel{{Name: types.StringValue("default")}}
	}
	devices := &pikvmDevices{clients: map[string]*pikvm.Client{}}
	for i, b := range blocks {
		at := path.Root("pikvm").AtListIndex(i)
		if b.Name.IsUnknown() || b.URL.IsUnknown() || b.Username.IsUnknown() || b.Password.IsUnknown() || b.TOTPSecret.IsUnknown() {
			diags.AddAttributeError(at, "PiKVM settings not known until apply", "Use values known at plan time for pikvm blocks.")
			continue
		}
		dev := pikvm.Device{
			Name:          b.Name.ValueString(),
			URL:           orDefault(b.URL.ValueString(), env.URL),
			Username:      orDefault(b.Username.ValueString(), orDefault(env.Username, "admin")),
			Password:      orDefault(b.Password.ValueString(), env.Password),
			TOTPSecret:    orDefault(b.TOTPSecret.ValueString(), env.TOTPSecret),
			CACertificate: b.CACertificate.ValueString(),
			Insecure:      b.Insecure.ValueBool(),
		}
		if t := b.RequestTimeout.ValueString(); t != "" {
			dev.RequestTimeout, _ = time.ParseDuration(t)
		}
		c, err := pikvm.New(dev, clientLogger("pikvm"))
		if err != nil {
			var fe *pikvm.FieldError
			attr := "url"
			if errors.As(err, &fe) {
				attr = fe.Field
			}
			diags.AddAttributeError(at.AtName(attr), fmt.Sprintf("Invalid PiKVM %q", dev.Name), err.Error())
			continue
		}
		devices.clients[dev.Name] = c
	}
	switch {
	case cfg.DefaultPiKVM.ValueString() != "":
		devices.defaultDevice = cfg.DefaultPiKVM.ValueString()
		if _, ok := devices.clients[devices.defaultDevice]; !ok && !diags.HasError() {
			diags.AddAttributeError(path.Root("default_pikvm"), "Unknown default PiKVM",
				fmt.Sprintf("default_pikvm is %q, but no pikvm block has that name.", devices.defaultDevice))
		}
	case len(blocks) == 1:
		devices.defaultDevice = blocks[0].Name.ValueString()
	}
	return devices
}

func orDefault(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}
