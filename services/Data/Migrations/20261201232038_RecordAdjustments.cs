using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Inference.Data.Migrations
{
    /// <inheritdoc />
    public partial class RecordAdjustments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "adjustments",
                table: "products",
                type: "jsonb",
                nullable: false,
                defaultValue: "[]");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "adjustments",
                table: "products");
        }
    }
}
