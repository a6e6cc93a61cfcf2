package pikvm

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

// gpioDataSource is rack_pikvm_gpio: the GPIO channels and their states.
type gpioDataSource struct{ pikvmDataSource }

func NewGPIODataSource() datasource.DataSource { return &gpioDataSource{} }

type pikvmGPIODataModel struct {
	PiKVM   types.String `tfsdk:"pikvm"`
	Outputs types.List   `tfsdk:"outputs"`
	Inputs  types.List   `tfsdk:"inputs"`
}

var gpioOutputAttrTypes = map[string]attr.Type{
	"name": types.StringType, "switch": types.BoolType, "pulse": types.BoolType,
	"state": types.BoolType, "busy": types.BoolType, "online": types.BoolType,
}

var gpioInputAttrTypes = map[string]attr.Type{"name": types.StringType, "state": types.BoolType, "online": types.BoolType}

func (d *gpioDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_pikvm_gpio"
}

func (d *gpioDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	b := func(desc string) schema.BoolAttribute { return schema.BoolAttribute{Computed: true, Description: desc} }
	resp.Schema = schema.Schema{
		Description: "Reads a PiKVM's GPIO channels (kvmd's own `__` channels left out) and their states. A busy channel reports state false, as kvmd does.",
		Attributes: map[string]schema.Attribute{
			"pikvm": dataPiKVMAttribute(),
			"outputs": schema.ListNestedAttribute{Computed: true, Description: "Output channels, by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":   schema.StringAttribute{Computed: true, Description: "Channel name."},
					"switch": b("Whether it can be switched."), "pulse": b("Whether it can be pulsed."),
					"state": b("Its state."), "busy": b("Whether an operation is in progress."), "online": b("Whether its driver is online."),
				}}},
			"inputs": schema.ListNestedAttribute{Computed: true, Description: "Input channels, by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":  schema.StringAttribute{Computed: true, Description: "Channel name."},
					"state": b("Its state."), "online": b("Whether its driver is online."),
				}}},
		},
	}
}

func (d *gpioDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m pikvmGPIODataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	c, ctx, cancel, err := d.readDevice(ctx, m.PiKVM)
	defer cancel()
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read GPIO", err)
		return
	}
	g, err := c.GPIO(ctx)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read GPIO", err)
		return
	}
	outputs := []attr.Value{}
	for _, n := range userChannels(g) {
		sch, st := g.Model.Scheme.Outputs[n], g.State.Outputs[n]
		outputs = append(outputs, types.ObjectValueMust(gpioOutputAttrTypes, map[string]attr.Value{
			"name": types.StringValue(n), "switch": types.BoolValue(sch.Switch), "pulse": types.BoolValue(sch.Pulse.Delay > 0),
			"state": types.BoolValue(st.State), "busy": types.BoolValue(st.Busy), "online": types.BoolValue(st.Online),
		}))
	}
	inputNames := []string{}
	for n := range g.Model.Scheme.Inputs {
		if !strings.HasPrefix(n, "__") {
			inputNames = append(inputNames, n)
		}
	}
	sort.Strings(inputNames)
	inputs := []attr.Value{}
	for _, n := range inputNames {
		st := g.State.Inputs[n]
		inputs = append(inputs, types.ObjectValueMust(gpioInputAttrTypes, map[string]attr.Value{
			"name": types.StringValue(n), "state": types.BoolValue(st.State), "online": types.BoolValue(st.Online),
		}))
	}
	m.PiKVM = types.StringValue(c.Name())
	m.Outputs = types.ListValueMust(types.ObjectType{AttrTypes: gpioOutputAttrTypes}, outputs)
	m.Inputs = types.ListValueMust(types.ObjectType{AttrTypes: gpioInputAttrTypes}, inputs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
