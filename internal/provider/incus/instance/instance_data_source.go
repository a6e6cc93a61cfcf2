package instance

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

var _ datasource.DataSourceWithConfigure = (*instanceDataSource)(nil)

// instanceDataSource is the rack_incus_instance data source: one
// existing instance, read in one request. A missing instance is an error.
type instanceDataSource struct {
	data *providerdata.Data
}

func NewDataSource() datasource.DataSource { return &instanceDataSource{} }

type instanceDataModel struct {
	ID               types.String `tfsdk:"id"`
	Name             types.String `tfsdk:"name"`
	Project          types.String `tfsdk:"project"`
	Remote           types.String `tfsdk:"remote"`
	Description      types.String `tfsdk:"description"`
	Type             types.String `tfsdk:"type"`
	Profiles         types.List   `tfsdk:"profiles"`
	Config           types.Map    `tfsdk:"config"`
	Devices          types.Set    `tfsdk:"devices"`
	Ephemeral        types.Bool   `tfsdk:"ephemeral"`
	Running          types.Bool   `tfsdk:"running"`
	Status           types.String `tfsdk:"status"`
	Location         types.String `tfsdk:"location"`
	IPv4Address      types.String `tfsdk:"ipv4_address"`
	IPv6Address      types.String `tfsdk:"ipv6_address"`
	MACAddress       types.String `tfsdk:"mac_address"`
	Interfaces       types.Map    `tfsdk:"interfaces"`
	Architecture     types.String `tfsdk:"architecture"`
	CreatedAt        types.String `tfsdk:"created_at"`
	ImageFingerprint types.String `tfsdk:"image_fingerprint"`
}

func (d *instanceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_instance"
}

func (d *instanceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

func (d *instanceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "Reads an existing Incus instance. An instance that does not exist is an error.",
		Attributes: map[string]schema.Attribute{
			"name": schema.StringAttribute{Required: true, Description: "Instance name.",
				Validators: []validator.String{incusattr.InstanceNameValidator}},
			"project": schema.StringAttribute{Optional: true, Computed: true, Description: "Incus project; defaults to the remote's project, else `default`."},
			"remote": schema.StringAttribute{Optional: true, Computed: true, Description: "Incus remote; defaults to the provider's default remote.",
				Validators: []validator.String{fw.BlockNameValidator}},
			"id":                computed("`remote:project/name`."),
			"description":       computed("Description."),
			"type":              computed("`container` or `virtual-machine`."),
			"status":            computed("Status: Running, Stopped, Frozen, Error, Ready."),
			"location":          computed("Cluster member the instance is on (`none` outside a cluster)."),
			"ipv4_address":      computed("First global IPv4 address of the primary interface."),
			"ipv6_address":      computed("First global IPv6 address of the primary interface."),
			"mac_address":       computed("MAC address of the primary interface."),
			"architecture":      computed("Architecture."),
			"created_at":        computed("Creation time (RFC 3339)."),
			"image_fingerprint": computed("Fingerprint of the image the instance was made from."),
			"profiles":          schema.ListAttribute{Computed: true, ElementType: types.StringType, Description: "Profiles, in order."},
			"config":            schema.MapAttribute{Computed: true, ElementType: types.StringType, Description: "Config keys set on the instance (without volatile.* and image.*)."},
			"ephemeral":         schema.BoolAttribute{Computed: true, Description: "Whether the instance is ephemeral."},
			"running":           schema.BoolAttribute{Computed: true, Description: "Whether the instance runs."},
			"devices": schema.SetNestedAttribute{Computed: true, Description: "Devices of the instance itself.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":       schema.StringAttribute{Computed: true, Description: "Device name."},
					"type":       schema.StringAttribute{Computed: true, Description: "Device type."},
					"properties": schema.MapAttribute{Computed: true, ElementType: types.StringType, Description: "Device properties."},
				}}},
			"interfaces": schema.MapNestedAttribute{Computed: true, Description: "Network interfaces by name (loopback excluded).",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"mac_address":    schema.StringAttribute{Computed: true, Description: "MAC address."},
					"ipv4_addresses": schema.ListAttribute{Computed: true, ElementType: types.StringType, Description: "Global IPv4 addresses."},
					"ipv6_addresses": schema.ListAttribute{Computed: true, ElementType: types.StringType, Description: "Global IPv6 addresses."},
				}}},
		},
	}
}

func (d *instanceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg instanceDataModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := clienterr.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	scope, err := d.data.Incus.Resolve(incus.Scope{Remote: cfg.Remote.ValueString(), Project: cfg.Project.ValueString()})
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unknown Incus Remote", err)
		return
	}
	inst, err := d.data.Incus.GetInstance(ctx, scope, cfg.Name.ValueString())
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Incus Instance", err)
		return
	}
	// Reuse the resource's mapping so both show the same values.
	var m instanceModel
	m.Config = types.MapValueMust(types.StringType, nil)
	m.Devices = incusattr.DevicesFromAPI(nil, types.SetNull(types.ObjectType{AttrTypes: incusattr.DeviceAttrTypes}))
	m.applyInstance(inst, scope)
	out := instanceDataModel{
		ID: m.ID, Name: m.Name, Project: m.Project, Remote: m.Remote, Description: m.Description, Type: m.Type,
		Profiles: m.Profiles, Config: m.Config, Devices: m.Devices, Ephemeral: m.Ephemeral, Running: m.Running,
		Status: m.Status, Location: types.StringValue(inst.Location), IPv4Address: m.IPv4Address, IPv6Address: m.IPv6Address,
		MACAddress: m.MACAddress, Interfaces: m.Interfaces, Architecture: m.Architecture, CreatedAt: m.CreatedAt,
		ImageFingerprint: m.ImageFingerprint,
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &out)...)
}
