package cluster

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

type clusterDataSource struct{ data *providerdata.Data }

var _ datasource.DataSourceWithConfigure = (*clusterDataSource)(nil)

// NewClusterDataSource is data.rack_incus_cluster.
func NewClusterDataSource() datasource.DataSource { return &clusterDataSource{} }

type clusterModel struct {
	Remote  types.String `tfsdk:"remote"`
	Enabled types.Bool   `tfsdk:"enabled"`
	Members types.List   `tfsdk:"members"`
}

var memberAttrTypes = map[string]attr.Type{
	"name": types.StringType, "url": types.StringType, "roles": types.SetType{ElemType: types.StringType},
	"status": types.StringType, "message": types.StringType, "failure_domain": types.StringType,
	"groups": types.SetType{ElemType: types.StringType}, "description": types.StringType, "architecture": types.StringType,
}

func (d *clusterDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_cluster"
}

func (d *clusterDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

func (d *clusterDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	str := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "Reads whether an Incus server is a cluster and, if so, its members. A standalone server reads as `enabled = false` with no members.",
		Attributes: map[string]schema.Attribute{
			"remote":  schema.StringAttribute{Optional: true, Computed: true, Description: "Incus remote (see the provider's `incus_remote` blocks). Defaults to the provider's default remote."},
			"enabled": schema.BoolAttribute{Computed: true, Description: "Whether the server is a member of a cluster."},
			"members": schema.ListNestedAttribute{Computed: true, Description: "The cluster's members, sorted by name.",
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"name":           str("Name of the member (`target` of instances, pools and networks)."),
					"url":            str("Address the member is reached at, such as `https://10.0.0.1:8443`."),
					"roles":          schema.SetAttribute{Computed: true, ElementType: types.StringType, Description: "Roles of the member, those Incus gives (`database`, `database-leader`, `database-standby`) too."},
					"status":         str("Status of the member: `Online`, `Evacuated`, `Offline`, ..."),
					"message":        str("Incus's word on the status, such as `Fully operational`."),
					"failure_domain": str("Failure domain of the member."),
					"groups":         schema.SetAttribute{Computed: true, ElementType: types.StringType, Description: "Cluster groups the member is in."},
					"description":    str("Description of the member."),
					"architecture":   str("Architecture of the member, such as `x86_64`."),
				}}},
		},
	}
}

func (d *clusterDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m clusterModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s := incusattr.ResolvedScope(d.data.Incus, incus.Scope{Remote: m.Remote.ValueString()})
	cl, err := d.data.Incus.GetCluster(ctx, s)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Read Incus Cluster", err)
		return
	}
	objType := types.ObjectType{AttrTypes: memberAttrTypes}
	members := make([]attr.Value, 0, len(cl.Members))
	for _, mm := range cl.Members {
		members = append(members, types.ObjectValueMust(memberAttrTypes, map[string]attr.Value{
			"name": types.StringValue(mm.Name), "url": types.StringValue(mm.URL), "roles": setOf(mm.Roles),
			"status": types.StringValue(mm.Status), "message": types.StringValue(mm.Message),
			"failure_domain": types.StringValue(mm.FailureDomain), "groups": setOf(mm.Groups),
			"description": types.StringValue(mm.Description), "architecture": types.StringValue(mm.Architecture),
		}))
	}
	m.Remote = types.StringValue(s.Remote)
	m.Enabled = types.BoolValue(cl.Enabled)
	m.Members = types.ListValueMust(objType, members)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
