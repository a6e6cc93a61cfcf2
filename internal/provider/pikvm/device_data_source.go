package pikvm

import (
	"context"
	"encoding/json"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// deviceDataSource is rack_pikvm_device: what a PiKVM is.
type deviceDataSource struct{ pikvmDataSource }

func NewDeviceDataSource() datasource.DataSource { return &deviceDataSource{} }

type pikvmDeviceModel struct {
	PiKVM          types.String `tfsdk:"pikvm"`
	KVMDVersion    types.String `tfsdk:"kvmd_version"`
	PlatformType   types.String `tfsdk:"platform_type"`
	PlatformBase   types.String `tfsdk:"platform_base"`
	PlatformModel  types.String `tfsdk:"platform_model"`
	PlatformSerial types.String `tfsdk:"platform_serial"`
	AuthEnabled    types.Bool   `tfsdk:"auth_enabled"`
	MetaJSON       types.String `tfsdk:"meta_json"`
}

func (d *deviceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pikvm_device"
}

func (d *deviceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "Reads what a PiKVM is: kvmd version, hardware platform, whether authentication is on, and its meta data.",
		Attributes: map[string]schema.Attribute{
			"pikvm":           dataPiKVMAttribute(),
			"kvmd_version":    computed("kvmd version."),
			"platform_type":   computed("Platform type (`rpi`, ...); empty when the device does not say."),
			"platform_base":   computed("Board the PiKVM runs on."),
			"platform_model":  computed("PiKVM model (`v4plus`, ...)."),
			"platform_serial": computed("Serial number of the board."),
			"auth_enabled":    schema.BoolAttribute{Computed: true, Description: "Whether kvmd asks for credentials."},
			"meta_json":       computed("The device's meta data (`/api/info` meta) as JSON, for `jsondecode`."),
		},
	}
}

func (d *deviceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m pikvmDeviceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c, ctx, cancel, err := d.readDevice(ctx, m.PiKVM)
	defer cancel()
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read PiKVM", err)
		return
	}
	info, err := c.Info(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read PiKVM", err)
		return
	}
	auth, err := c.AuthEnabled(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read PiKVM", err)
		return
	}
	p := info.Platform()
	meta, _ := json.Marshal(info.Meta)
	m.PiKVM = types.StringValue(c.Name())
	m.KVMDVersion = types.StringValue(info.System.KVMD.Version)
	m.PlatformType, m.PlatformBase = types.StringValue(p.Type), types.StringValue(p.Base)
	m.PlatformModel, m.PlatformSerial = types.StringValue(p.Model), types.StringValue(p.Serial)
	m.AuthEnabled = types.BoolValue(auth)
	m.MetaJSON = types.StringValue(string(meta))
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
