package dev.tokenbroker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A newcomer's map: docs/architecture.md's package table has one row for every package under
 * {@code src/main/java/dev/tokenbroker/}, no row for a package that is gone, and each row names the DESIGN sections
 * (§1 to §11) its package implements.
 */
class ArchitectureDocTests {

    private static final Path DOC = Path.of("docs/architecture.md");
    private static final Path SOURCES = Path.of("src/main/java/dev/tokenbroker");
    private static final String TABLE_HEADER = "| package | what it owns | DESIGN |";

    @Test
    void packageTableWhenReadThenEveryPackageHasOneRowNamingItsDesignSections() throws IOException {
        Map<String, String> rows = packageTable();

        assertThat(rows.keySet())
                .as("the packages in %s's table (%s)", DOC, TABLE_HEADER)
                .containsExactlyInAnyOrderElementsOf(packages());
        rows.forEach((name, design) ->
                assertThat(design).as("the DESIGN sections of %s", name).containsPattern("§([1-9]|1[01])\\b"));
    }

    // The table's rows: package (as written between backquotes) -> its last cell, the DESIGN sections.
    private static Map<String, String> packageTable() throws IOException {
        List<String> lines = Files.readAllLines(DOC);
        int header = lines.indexOf(TABLE_HEADER);
        assertThat(header).as("%s has a table headed %s", DOC, TABLE_HEADER).isNotNegative();
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : lines.subList(header + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.split("\\|");
            String name = cells[1].trim().replace("`", "");
            assertThat(rows.put(name, cells[cells.length - 1].trim()))
                    .as("a second row for %s", name)
                    .isNull();
        }
        return rows;
    }

    // Every folder below dev/tokenbroker that holds a Java file, as a package name relative to dev.tokenbroker.
    private static Set<String> packages() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            files.filter(file -> file.toString().endsWith(".java"))
                    .map(file -> SOURCES.relativize(file.getParent()))
                    .filter(folder -> !folder.toString().isEmpty())
                    .forEach(folder -> packages.add(
                            folder.toString().replace(folder.getFileSystem().getSeparator(), ".")));
        }
        assertThat(packages).as("packages under %s", SOURCES).contains("api", "edge", "shared");
        return packages;
    }
}
