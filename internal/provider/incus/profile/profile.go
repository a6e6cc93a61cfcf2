// Package profile is rack_incus_profile, resource and data source, on the
// generic config object (internal/provider/incus/configobject).
package profile

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/configobject"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
)

// model is the state of rack_incus_profile.
type model struct {
	configobject.Base
	Project types.String `tfsdk:"project"`
	Devices types.Set    `tfsdk:"devices"`
}

func (m *model) put(ctx context.Context, diags *diag.Diagnostics) incus.ProfilePut {
	return incus.ProfilePut{
		Description: m.Description.ValueString(),
		Config:      fw.StringMap(ctx, m.Config, diags),
		Devices:     incusattr.DevicesToAPI(ctx, m.Devices, diags),
	}
}

var profileType = &configobject.Type[model, incus.Profile]{
	Name:  "profile",
	Title: "Profile",
	Description: "An Incus profile: config and devices that instances listing it take on. " +
		"The `default` profile (of each project with its own profiles) can be imported and managed; Incus does not delete it, so destroying it resets its description, config and devices and drops it from state. " +
		"For the `default` project's `default` profile that removes its root disk and NIC too: instances that rely on them need another profile that gives them. " +
		"Deleting a profile that instances still use is refused, and the error lists them.",
	InProject: true,
	Attributes: map[string]schema.Attribute{
		"devices": incusattr.DevicesAttribute("profile", "Devices that instances using the profile get"),
	},
	NameValidators: []validator.String{incusattr.NewNameValidator("profile", incusattr.ProfileNameProblem)},
	Timeouts:       fw.TimeoutDefaults{Create: 2 * time.Minute, Read: 2 * time.Minute, Update: 2 * time.Minute, Delete: 2 * time.Minute},

	Get: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key) (configobject.Object[incus.Profile], error) {
		p, err := c.GetProfile(ctx, s, k.Name)
		if err != nil {
			return configobject.Object[incus.Profile]{}, err
		}
		return configobject.Object[incus.Profile]{Value: p, ETag: p.ETag}, nil
	},
	Create: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.CreateProfile(ctx, s, incus.ProfileSpec{Name: k.Name, ProfilePut: put})
	},
	Update: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, m *model, etag string, diags *diag.Diagnostics) error {
		put := m.put(ctx, diags)
		if diags.HasError() {
			return nil
		}
		return c.UpdateProfile(ctx, s, k.Name, put, etag)
	},
	Rename: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, to string) error {
		return c.RenameProfile(ctx, s, k.Name, to)
	},
	Delete: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *model) error {
		return c.DeleteProfile(ctx, s, k.Name)
	},
	Read: func(_ context.Context, m *model, p *incus.Profile, _ *diag.Diagnostics) {
		m.Description = types.StringValue(p.Description)
		m.Config = incusattr.ConfigFromAPI(p.Config, m.Config, nil)
		if len(p.Devices) > 0 || !m.Devices.IsNull() {
			m.Devices = incusattr.DevicesFromAPI(p.Devices, m.Devices)
		} // else: none, as configured (null)
		if m.Project.IsNull() || m.Project.IsUnknown() {
			// incusd answers with the project the object really lives in
			// (default, for a project without features.profiles or
			// features.storage.volumes); state keeps the one asked for.
			m.Project = types.StringValue(p.Project)
		}
	},
	Undeletable: func(k configobject.Key) bool { return k.Name == "default" },
	Reset: func(ctx context.Context, c *incus.Client, s incus.Scope, k configobject.Key, _ *model, etag string) error {
		return c.ResetProfile(ctx, s, k.Name, etag)
	},
}

// NewResource is rack_incus_profile.
func NewResource() resource.Resource { return configobject.NewResource(profileType)() }

// NewDataSource is data.rack_incus_profile.
func NewDataSource() datasource.DataSource { return configobject.NewDataSource(profileType)() }
