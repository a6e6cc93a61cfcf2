package cluster

import (
	"context"
	"sort"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/setplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// memberModel is the state of rack_incus_cluster_member.
type memberModel struct {
	configobject.Base
	Roles         types.Set    `tfsdk:"roles"`
	FailureDomain types.String `tfsdk:"failure_domain"`
	Groups        types.Set    `tfsdk:"groups"`
	Evacuated     types.Bool   `tfsdk:"evacuated"`
}

// settableRoles are the roles a client may give a member (incusd 6.0.4's
// api_cluster.go); the database roles are incusd's own, so they are
// neither sent nor shown.
var settableRoles = map[string]bool{"event-hub": true, "ovn-chassis": true}

func userRoles(roles []string) []string {
	out := []string{}
	for _, r := range roles {
		if settableRoles[r] {
			out = append(out, r)
		}
	}
	sort.Strings(out)
	return out
}

var memberType = &configobject.Type[memberModel, incus.ClusterMember]{
	Name:  "cluster_member",
	Title: "Cluster Member",
	CLI:   "cluster",
	Description: "A member of an Incus cluster, which must already be in the cluster (a member joins with `incus cluster add` and `incus admin init`): its description, config, roles, failure domain, groups, and whether it is evacuated. " +
		"Creating the resource takes the member over; a name that is no member fails, listing the members there are. " +
		"Incus members are never deleted by Terraform: destroy only removes the member from state, and leaves it as it is (evacuated too).",
	Attributes: map[string]schema.Attribute{
		"config": schema.MapAttribute{Optional: true, ElementType: types.StringType,
			Description: "Config keys of the member, as `incus cluster set` takes them: `scheduler.instance` (`all`, `manual` or `group`) and `user.*`. A key changed or added outside Terraform shows as drift."},
		"roles": schema.SetAttribute{Optional: true, Computed: true, ElementType: types.StringType,
			Description: "Roles given to the member: `event-hub` and `ovn-chassis`, the ones a client may set. The database roles are Incus's own and not shown. Defaults to none.",
			Validators:  []validator.Set{setvalidator.ValueStringsAre(stringvalidator.OneOf("event-hub", "ovn-chassis"))},
			Default:     setdefault.StaticValue(setOf(nil))},
		"failure_domain": schema.StringAttribute{Optional: true, Computed: true, Default: stringdefault.StaticString("default"),
			Description: "Failure domain of the member. Defaults to `default`."},
		"groups": schema.SetAttribute{Optional: true, Computed: true, ElementType: types.StringType,
			Description:   "Cluster groups the member is in; at least one. Left out, they stay as they are; set, they are managed here (a `rack_incus_cluster_group` with `members` should then not name this member).",
			Validators:    []validator.Set{setvalidator.SizeAtLeast(1)},
			PlanModifiers: []planmodifier.Set{setplanmodifier.UseStateForUnknown()}},
		"evacuated": schema.BoolAttribute{Optional: true, Computed: true,
			Description: "`true` evacuates the member (`incus cluster evacuate`: its instances move to other members, or stop), `false` restores it (they come back). Left out, it stays as it is. " +
				"Evacuation is an Incus operation that may take long: the `update` (or `create`) timeout bounds it, and a failure shows the operation's ID.",
			PlanModifiers: []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}},
	},
	Undeletable: func(configobject.Key) bool { return true },
	Kept:        "Terraform does not remove members from an Incus cluster (`incus cluster remove` does).",
	Timeouts:    fw.TimeoutDefaults{Create: 10 * time.Minute, Read: 2 * time.Minute, Update: 10 * time.Minute, Delete: 2 * time.Minute},

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.ClusterMember], error) {
		m, err := c.GetClusterMember(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.ClusterMember]{}, err
		}
		return configobject.Object[incus.ClusterMember]{Value: m, ETag: m.ETag}, nil
	},
	// Create takes over a member that exists: the same as an update.
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *memberModel, diags *diag.Diagnostics) error {
		return updateMember(ctx, c, s, k.Name, m, "", diags)
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *memberModel, etag string, diags *diag.Diagnostics) error {
		return updateMember(ctx, c, s, k.Name, m, etag, diags)
	},
	Delete: func(context.Context, *incus.Client, incus.Scope, configobject.Key, *memberModel) error { return nil },
	Read: func(_ context.Context, m *memberModel, o *incus.ClusterMember, _ *diag.Diagnostics) {
		m.Description = types.StringValue(o.Description)
		m.Config = incusattr.ConfigFromAPI(o.Config, m.Config, nil)
		m.Roles = setOf(userRoles(o.Roles))
		m.FailureDomain = types.StringValue(o.FailureDomain)
		m.Groups = setOf(o.Groups)
		m.Evacuated = types.BoolValue(o.Status == "Evacuated")
	},
}

// updateMember writes the member's settings, then evacuates or restores
// it when asked and it is not so already. Settings left out of the
// configuration (groups, evacuated) stay as the member has them.
func updateMember(ctx context.Context, c *incus.Client, s incus.Scope, name string, m *memberModel, etag string, diags *diag.Diagnostics) error {
	cur, err := c.GetClusterMember(ctx, s, name)
	if err != nil {
		return err
	}
	if etag == "" {
		etag = cur.ETag
	}
	put := incus.ClusterMemberPut{
		Description:   m.Description.ValueString(),
		Config:        fw.StringMap(ctx, m.Config, diags),
		Roles:         stringSet(ctx, m.Roles, diags),
		FailureDomain: m.FailureDomain.ValueString(),
		Groups:        stringSet(ctx, m.Groups, diags),
	}
	if diags.HasError() {
		return nil
	}
	if m.Groups.IsNull() || m.Groups.IsUnknown() {
		put.Groups = cur.Groups
	}
	if err := c.UpdateClusterMember(ctx, s, name, put, etag); err != nil {
		return err
	}
	evacuated := cur.Status == "Evacuated"
	if m.Evacuated.IsNull() || m.Evacuated.IsUnknown() || m.Evacuated.ValueBool() == evacuated {
		return nil
	}
	return c.EvacuateClusterMember(ctx, s, name, m.Evacuated.ValueBool())
}

// NewMemberResource is rack_incus_cluster_member.
func NewMemberResource() resource.Resource { return configobject.NewResource(memberType)() }
