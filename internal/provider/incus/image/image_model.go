// Package image is rack_incus_image (resource and data source): an Incus
// image published from an instance, uploaded from local files or copied
// from an image server.
package image

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
)

type imageModel struct {
	ID             types.String   `tfsdk:"id"`
	SourceImage    types.Object   `tfsdk:"source_image"`
	SourceInstance types.Object   `tfsdk:"source_instance"`
	SourceFile     types.Object   `tfsdk:"source_file"`
	Aliases        types.Set      `tfsdk:"aliases"`
	Description    types.String   `tfsdk:"description"`
	Public         types.Bool     `tfsdk:"public"`
	AutoUpdate     types.Bool     `tfsdk:"auto_update"`
	Project        types.String   `tfsdk:"project"`
	Remote         types.String   `tfsdk:"remote"`
	Fingerprint    types.String   `tfsdk:"fingerprint"`
	Size           types.Int64    `tfsdk:"size"`
	Architecture   types.String   `tfsdk:"architecture"`
	Type           types.String   `tfsdk:"type"`
	CreatedAt      types.String   `tfsdk:"created_at"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

// The three sources, as plain structs.
type sourceImageModel struct {
	Remote       types.String `tfsdk:"remote"`
	Name         types.String `tfsdk:"name"`
	Type         types.String `tfsdk:"type"`
	Architecture types.String `tfsdk:"architecture"`
	CopyAliases  types.Bool   `tfsdk:"copy_aliases"`
}

type sourceInstanceModel struct {
	Name     types.String `tfsdk:"name"`
	Snapshot types.String `tfsdk:"snapshot"`
}

type sourceFileModel struct {
	DataPath     types.String `tfsdk:"data_path"`
	MetadataPath types.String `tfsdk:"metadata_path"`
	SHA256       types.String `tfsdk:"sha256"`
}

var (
	sourceImageTypes = map[string]attr.Type{
		"remote": types.StringType, "name": types.StringType, "type": types.StringType,
		"architecture": types.StringType, "copy_aliases": types.BoolType,
	}
	sourceInstanceTypes = map[string]attr.Type{"name": types.StringType, "snapshot": types.StringType}
	sourceFileTypes     = map[string]attr.Type{"data_path": types.StringType, "metadata_path": types.StringType, "sha256": types.StringType}
)

// importedSource is what an imported image records for each source: an
// object whose fields are all null. Which source made the image is not
// known after an import; this marker says so, and the plan then takes any
// configured source as the one it came from (see ModifyPlan).
func importedSource(attrTypes map[string]attr.Type) types.Object {
	vals := map[string]attr.Value{}
	for k, t := range attrTypes {
		switch t {
		case types.BoolType:
			vals[k] = types.BoolNull()
		default:
			vals[k] = types.StringNull()
		}
	}
	return types.ObjectValueMust(attrTypes, vals)
}

// isImportedMarker reports whether a source value is importedSource's marker.
func isImportedMarker(o types.Object) bool {
	if o.IsNull() || o.IsUnknown() {
		return false
	}
	for _, v := range o.Attributes() {
		if !v.IsNull() {
			return false
		}
	}
	return true
}

func (m *imageModel) scope() incus.Scope {
	return incus.Scope{Remote: fw.KnownString(m.Remote), Project: fw.KnownString(m.Project)}
}

// apply copies what the server says into the model.
func (m *imageModel) apply(img *incus.Image, s incus.Scope) {
	m.Remote, m.Project = types.StringValue(s.Remote), types.StringValue(s.Project)
	m.ID = types.StringValue(incus.ImageImportID(s, img.Fingerprint))
	m.Fingerprint = types.StringValue(img.Fingerprint)
	m.Size = types.Int64Value(img.Size)
	m.Architecture = types.StringValue(img.Architecture)
	m.Type = types.StringValue(img.Type)
	m.CreatedAt = types.StringValue(img.CreatedAt.UTC().Format(time.RFC3339))
	m.Description = types.StringValue(img.Description)
	m.Public = types.BoolValue(img.Public)
	m.AutoUpdate = types.BoolValue(img.AutoUpdate)
	m.Aliases = stringSet(img.Aliases)
}

func stringSet(in []string) types.Set {
	vals := make([]attr.Value, len(in))
	for i, s := range in {
		vals[i] = types.StringValue(s)
	}
	return types.SetValueMust(types.StringType, vals)
}

func setStrings(ctx context.Context, s types.Set, diags *diag.Diagnostics) []string {
	if s.IsNull() || s.IsUnknown() {
		return nil
	}
	var out []string
	diags.Append(s.ElementsAs(ctx, &out, false)...)
	return out
}

// spec is what Create sends for the model's source.
func (m *imageModel) spec(ctx context.Context, diags *diag.Diagnostics) incus.ImageSpec {
	spec := incus.ImageSpec{
		Aliases:     setStrings(ctx, m.Aliases, diags),
		Description: m.Description.ValueStringPointer(),
		Public:      m.Public.ValueBool(),
		AutoUpdate:  m.AutoUpdate.ValueBool(),
	}
	if m.Description.IsUnknown() {
		spec.Description = nil // unset: the image keeps the description it brings
	}
	switch {
	case !m.SourceInstance.IsNull() && !m.SourceInstance.IsUnknown():
		var src sourceInstanceModel
		diags.Append(m.SourceInstance.As(ctx, &src, objectOpts)...)
		spec.Instance = &incus.PublishSource{Instance: src.Name.ValueString(), Snapshot: src.Snapshot.ValueString()}
	case !m.SourceFile.IsNull() && !m.SourceFile.IsUnknown():
		var src sourceFileModel
		diags.Append(m.SourceFile.As(ctx, &src, objectOpts)...)
		spec.File = &incus.FileSource{DataPath: src.DataPath.ValueString(), MetadataPath: src.MetadataPath.ValueString()}
	case !m.SourceImage.IsNull() && !m.SourceImage.IsUnknown():
		var src sourceImageModel
		diags.Append(m.SourceImage.As(ctx, &src, objectOpts)...)
		spec.Copy = &incus.ImageCopySource{Remote: src.Remote.ValueString(), Name: src.Name.ValueString(),
			Type: src.Type.ValueString(), Architecture: src.Architecture.ValueString(), CopyAliases: src.CopyAliases.ValueBool()}
	}
	return spec
}
