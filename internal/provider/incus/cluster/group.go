// Package cluster is the Incus server and cluster types: rack_incus_server
// (server configuration), rack_incus_cluster_group, rack_incus_cluster_member
// and data.rack_incus_cluster.
package cluster

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// groupModel is the state of rack_incus_cluster_group.
type groupModel struct {
	configobject.Core
	configobject.Named
	Members types.Set `tfsdk:"members"`
}

// groupNameProblem is incusd 6.0.4's check of a group name.
func groupNameProblem(name string) string {
	for _, r := range name {
		if r == '/' {
			return "Cluster group names may not contain slashes"
		}
	}
	return ""
}

// setOf is a set of strings (empty, not null, for none).
func setOf(in []string) types.Set {
	vals := make([]attr.Value, len(in))
	for i, v := range in {
		vals[i] = types.StringValue(v)
	}
	return types.SetValueMust(types.StringType, vals)
}

func stringSet(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	out := []string{}
	if s.IsNull() || s.IsUnknown() {
		return out
	}
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	return out
}

var groupType = &configobject.Type[groupModel, incus.ClusterGroup]{
	Name:  "cluster_group",
	Title: "Cluster Group",
	CLI:   "cluster group",
	Description: "An Incus cluster group: a named set of cluster members that instances can be placed on (`target = \"@group\"`). " +
		"Only for a clustered remote. The `default` group holds every member unless it is in another group; Incus does not delete or rename it, so destroying it resets its description and drops it from state. " +
		"Destroying another group first takes its members out of it (incusd removes only empty groups); a member whose only group it is stays in it, and the delete is refused.",
	NoConfig: true,
	Attributes: map[string]schema.Attribute{
		"members": schema.SetAttribute{Optional: true, Computed: true, ElementType: types.StringType,
			Description: "Names of the cluster members in the group. Left out, the group's members are whatever they are (a `rack_incus_cluster_member`'s `groups` may set them); set, they are managed here, and a member added or removed outside Terraform is drift. " +
				"A member always stays in at least one group: incusd keeps a member in the group it would leave with none.",
			PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()}},
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("cluster group", groupNameProblem)},
	Timeouts:       fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute},

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.ClusterGroup], error) {
		g, err := c.GetClusterGroup(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.ClusterGroup]{}, err
		}
		return configobject.Object[incus.ClusterGroup]{Value: g, ETag: g.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *groupModel, diags *diag.Diagnostics) error {
		members := stringSet(ctx, m.Members, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateClusterGroup(ctx, s, k.Name, incus.ClusterGroupPut{Description: m.Description.ValueString(), Members: members})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *groupModel, etag string, diags *diag.Diagnostics) error {
		put := incus.ClusterGroupPut{Description: m.Description.ValueString(), Members: stringSet(ctx, m.Members, diags)}
		if diags.HasError() {
			return nil
		}
		if m.Members.IsUnknown() || m.Members.IsNull() {
			// Not managed here: keep the members the group has.
			g, err := c.GetClusterGroup(ctx, s, k.Name)
			if err != nil {
				return err
			}
			put.Members, etag = g.Members, g.ETag
		}
		return c.UpdateClusterGroup(ctx, s, k.Name, put, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameClusterGroup(ctx, s, k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *groupModel) error {
		return c.DeleteClusterGroup(ctx, s, k.Name)
	},
	Read: func(_ context.Context, m *groupModel, g *incus.ClusterGroup, _ *diag.Diagnostics) {
		m.Description = types.StringValue(g.Description)
		m.Members = setOf(g.Members)
	},
	Undeletable: func(k configobject.Key) bool { return k.Name == "default" },
	Reset: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *groupModel, _ string) error {
		g, err := c.GetClusterGroup(ctx, s, k.Name)
		if err != nil {
			return err
		}
		return c.UpdateClusterGroup(ctx, s, k.Name, incus.ClusterGroupPut{Description: "Default cluster group", Members: g.Members}, g.ETag)
	},
}

// NewGroupResource is rack_incus_cluster_group.
func NewGroupResource() resource.Resource { return configobject.NewResource(groupType)() }

// NewGroupDataSource is data.rack_incus_cluster_group.
func NewGroupDataSource() datasource.DataSource { return configobject.NewDataSource(groupType)() }
