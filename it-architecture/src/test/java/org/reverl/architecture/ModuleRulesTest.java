package org.reverl.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Checks the module rules on the compiled main classes of every module on this module's test class path, and that the
 * rules do find violations (in this module's own fixtures, which the main check leaves out).
 */
class ModuleRulesTest {

    private static final String[] PACKAGES = {"org.reverl", "com.example.reverl"};

    /** Every module's main classes, without any test classes. */
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(PACKAGES);

    @Test
    void everyModuleIsChecked() {
        Set<String> modules = MAIN.stream().map(ModuleRules::module).collect(Collectors.toCollection(TreeSet::new));
        assertThat(modules)
                .containsExactlyInAnyOrder(
                        "gateway-api",
                        "gateway-core",
                        "gateway-testing",
                        "gateway-http",
                        "gateway-server",
                        "strategy-roundrobin",
                        "strategy-leastconn",
                        "strategy-hash",
                        "strategy-ewma",
                        "health-tcp",
                        "health-process",
                        "health-http",
                        "discovery-dns",
                        "discovery-etcd",
                        "it-custom-strategy");
    }

    @Test
    void pluginsDependOnlyOnGatewayApi() {
        ModuleRules.pluginsUseOnlyTheApi().check(MAIN);
    }

    @Test
    void gatewayApiDependsOnlyOnTheJdk() {
        ModuleRules.apiUsesOnlyTheJdk().check(MAIN);
    }

    @Test
    void noModuleUsesAnotherModulesInternalPackage() {
        ModuleRules.internalsStayInTheirModule().check(MAIN);
    }

    @Test
    void theRulesFindViolations_inTheFixtures() {
        JavaClasses all = new ClassFileImporter().importPackages(PACKAGES);
        assertThat(all.stream().map(JavaClass::getSimpleName))
                .contains("EngineDependentStrategy", "LibraryDependentContract");

        assertThat(ModuleRules.pluginsUseOnlyTheApi()
                        .evaluate(all)
                        .getFailureReport()
                        .getDetails())
                .anySatisfy(line -> assertThat(line)
                        .contains("EngineDependentStrategy.config")
                        .contains("org.reverl.gateway.core.GatewayConfig")
                        .contains("[it-architecture/test-classes -> gateway-core]"))
                .allSatisfy(line -> assertThat(line).contains("EngineDependentStrategy"));

        assertThat(ModuleRules.apiUsesOnlyTheJdk()
                        .evaluate(all)
                        .getFailureReport()
                        .getDetails())
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line)
                        .contains("LibraryDependentContract")
                        .contains("com.tngtech.archunit.base.DescribedPredicate"));

        assertThat(ModuleRules.internalsStayInTheirModule()
                        .evaluate(all)
                        .getFailureReport()
                        .getDetails())
                .isNotEmpty()
                .allSatisfy(line -> assertThat(line)
                        .contains("EngineDependentStrategy")
                        .contains("org.reverl.gateway.core.internal.DefaultLoadBalancer"));
    }
}
