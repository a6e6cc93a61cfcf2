package pikvm

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// powerDataSource is rack_pikvm_power: the machine's power LEDs.
type powerDataSource struct{ pikvmDataSource }

func NewPowerDataSource() datasource.DataSource { return &powerDataSource{} }

type pikvmPowerDataModel struct {
	PiKVM      types.String `tfsdk:"pikvm"`
	State      types.String `tfsdk:"state"`
	PowerLED   types.Bool   `tfsdk:"power_led"`
	HDDLED     types.Bool   `tfsdk:"hdd_led"`
	ATXEnabled types.Bool   `tfsdk:"atx_enabled"`
	Busy       types.Bool   `tfsdk:"busy"`
}

func (d *powerDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pikvm_power"
}

func (d *powerDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "Reads the power state of the machine behind a PiKVM from its LEDs, without changing it.",
		Attributes: map[string]schema.Attribute{
			"pikvm":       dataPiKVMAttribute(),
			"state":       schema.StringAttribute{Computed: true, Description: "`on` or `off`, from the power LED."},
			"power_led":   schema.BoolAttribute{Computed: true, Description: "Power LED."},
			"hdd_led":     schema.BoolAttribute{Computed: true, Description: "Disk activity LED."},
			"atx_enabled": schema.BoolAttribute{Computed: true, Description: "Whether the PiKVM has ATX control."},
			"busy":        schema.BoolAttribute{Computed: true, Description: "Whether a button press is in progress."},
		},
	}
}

func (d *powerDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m pikvmPowerDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c, ctx, cancel, err := d.readDevice(ctx, m.PiKVM)
	defer cancel()
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Machine Power", err)
		return
	}
	atx, err := c.ATX(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Machine Power", err)
		return
	}
	m.PiKVM = types.StringValue(c.Name())
	m.State = types.StringValue(map[bool]string{true: "on", false: "off"}[atx.LEDs.Power])
	m.PowerLED, m.HDDLED = types.BoolValue(atx.LEDs.Power), types.BoolValue(atx.LEDs.HDD)
	m.ATXEnabled, m.Busy = types.BoolValue(atx.Enabled), types.BoolValue(atx.Busy)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
