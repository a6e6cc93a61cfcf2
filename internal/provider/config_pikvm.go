package provider

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/kvmd"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
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
				Validators: []validator.String{fw.BlockNameValidator}},
			"url":      schema.StringAttribute{Optional: true, Description: "Address of the PiKVM, such as `https://pikvm.lan`. Defaults to `PIKVM_URL`."},
			"username": schema.StringAttribute{Optional: true, Description: "kvmd user. Defaults to `PIKVM_USERNAME`, then `admin`."},
			"password": schema.StringAttribute{Optional: true, Sensitive: true, Description: "kvmd password. Defaults to `PIKVM_PASSWORD`."},
			"totp_secret": schema.StringAttribute{Optional: true, Sensitive: true,
				Description: "Base32 TOTP secret when two-factor authentication is on; the current code is appended to the password on every request. Defaults to `PIKVM_TOTP_SECRET`."},
			"ca_certificate": schema.StringAttribute{Optional: true, Description: "PEM certificate of the CA (or the device's own self-signed certificate) to trust."},
			"insecure":       schema.BoolAttribute{Optional: true, Description: "Skip TLS verification (kvmd's default certificate is self-signed). Prefer `ca_certificate`."},
			"request_timeout": schema.StringAttribute{Optional: true, Description: "Timeout of one HTTP request, as a duration (`30s` by default). Uploads are bounded by the resource's timeouts instead.",
				Validators: []validator.String{fw.DurationValidator{}}},
		}},
	}
}

// configurePiKVMs builds the device Clients from pikvm blocks and PIKVM_*
// variables; errors go on the attribute to fix.
func configurePiKVMs(cfg providerModel, diags *diag.Diagnostics) *providerdata.PiKVMDevices {
	env := kvmd.Device{
		URL:        os.Getenv("PIKVM_URL"),
		Username:   os.Getenv("PIKVM_USERNAME"),
		Password:   os.Getenv("PIKVM_PASSWORD"),
		TOTPSecret: os.Getenv("PIKVM_TOTP_SECRET"),
	}
	blocks := cfg.PiKVMs
	if len(blocks) == 0 && env.URL != "" {
		blocks = []pikvmModel{{Name: types.StringValue("default")}}
	}
	devices := &providerdata.PiKVMDevices{Clients: map[string]*kvmd.Client{}}
	for i, b := range blocks {
		at := path.Root("pikvm").AtListIndex(i)
		if b.Name.IsUnknown() || b.URL.IsUnknown() || b.Username.IsUnknown() || b.Password.IsUnknown() || b.TOTPSecret.IsUnknown() {
			diags.AddAttributeError(at, "PiKVM settings not known until apply", "Use values known at plan time for pikvm blocks.")
			continue
		}
		dev := kvmd.Device{
			Name:          b.Name.ValueString(),
			URL:           fw.OrDefault(b.URL.ValueString(), env.URL),
			Username:      fw.OrDefault(b.Username.ValueString(), fw.OrDefault(env.Username, "admin")),
			Password:      fw.OrDefault(b.Password.ValueString(), env.Password),
			TOTPSecret:    fw.OrDefault(b.TOTPSecret.ValueString(), env.TOTPSecret),
			CACertificate: b.CACertificate.ValueString(),
			Insecure:      b.Insecure.ValueBool(),
		}
		if t := b.RequestTimeout.ValueString(); t != "" {
			dev.RequestTimeout, _ = time.ParseDuration(t)
		}
		c, err := kvmd.New(dev, clientLogger("pikvm"))
		if err != nil {
			var fe *kvmd.FieldError
			attr := "url"
			if errors.As(err, &fe) {
				attr = fe.Field
			}
			diags.AddAttributeError(at.AtName(attr), fmt.Sprintf("Invalid PiKVM %q", dev.Name), err.Error())
			continue
		}
		devices.Clients[dev.Name] = c
	}
	switch {
	case cfg.DefaultPiKVM.ValueString() != "":
		devices.Default = cfg.DefaultPiKVM.ValueString()
		if _, ok := devices.Clients[devices.Default]; !ok && !diags.HasError() {
			diags.AddAttributeError(path.Root("default_pikvm"), "Unknown default PiKVM",
				fmt.Sprintf("default_pikvm is %q, but no pikvm block has that name.", devices.Default))
		}
	case len(blocks) == 1:
		devices.Default = blocks[0].Name.ValueString()
	}
	return devices
}
