/* The ACPI PM1a blocks (hv/vdev/acpipm.c): SCI_EN always on, power off on
 * SLP_EN with the _S5 sleep type, nothing else. */
#include "unit.h"
#include <string.h>
#include "vdev.h"
#include "errno.h"
#include "vdev_io.h"
#include "../../hv/vdev/acpipm.h"
#include "../../hv/vdev/pctables.h"

static struct vdev_table t;
static struct vacpipm pm;
static int offs;

static void poweroff(void *opaque)
{
	assert_ptr_equal(opaque, &pm);
	offs++;
}

static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof(t));
	offs = 0;
	assert_int_equal(vacpipm_init(&pm, &t, PCTABLES_PM1A_EVT, PCTABLES_PM1A_CNT, poweroff, &pm), 0);
	return 0;
}

static uint16_t inw_(uint16_t port)
{
	uint32_t v = 0xdeadbeef;
	assert_int_equal(vdev_access(&t, VDEV_PIO, port, 2, false, &v), 0);
	return (uint16_t)v;
}

static void outw_(uint16_t port, uint16_t v)
{
	uint32_t x = v;
	assert_int_equal(vdev_access(&t, VDEV_PIO, port, 2, true, &x), 0);
}

static void test_acpi_mode_always(void **state)
{
	(void)state;
	assert_int_equal(inw_(PCTABLES_PM1A_CNT) & ACPIPM_SCI_EN, ACPIPM_SCI_EN);
	outw_(PCTABLES_PM1A_CNT, 0);            /* SCI_EN cannot be cleared */
	assert_int_equal(inw_(PCTABLES_PM1A_CNT), ACPIPM_SCI_EN);
	assert_int_equal(inw_(PCTABLES_PM1A_EVT), 0);   /* no event status */
	outw_(PCTABLES_PM1A_EVT + 2, 0x0120);           /* enables read back */
	assert_int_equal(inw_(PCTABLES_PM1A_EVT + 2), 0x0120);
	assert_int_equal(vdev_inb(&t, PCTABLES_PM1A_EVT + 3), 0x01);
	assert_int_equal(offs, 0);
}

static void test_s5_powers_off(void **state)
{
	(void)state;
	/* SLP_TYP without SLP_EN: kept, nothing happens */
	outw_(PCTABLES_PM1A_CNT, PCTABLES_SLP_TYP_S5 << ACPIPM_SLP_TYP_SHIFT | ACPIPM_SCI_EN);
	assert_int_equal(offs, 0);
	assert_int_equal(inw_(PCTABLES_PM1A_CNT), PCTABLES_SLP_TYP_S5 << ACPIPM_SLP_TYP_SHIFT | 1);
	/* what Linux's acpi_hw_legacy_sleep writes: type, then type | SLP_EN */
	outw_(PCTABLES_PM1A_CNT, PCTABLES_SLP_TYP_S5 << ACPIPM_SLP_TYP_SHIFT | ACPIPM_SLP_EN | 1);
	assert_int_equal(offs, 1);
	/* SLP_EN is write-only */
	assert_int_equal(inw_(PCTABLES_PM1A_CNT) & ACPIPM_SLP_EN, 0);
}

static void test_other_sleep_types_ignored(void **state)
{
	(void)state;
	for (unsigned typ = 0; typ < 8; typ++) {
		if (typ == PCTABLES_SLP_TYP_S5)
			continue;
		outw_(PCTABLES_PM1A_CNT, (uint16_t)(typ << ACPIPM_SLP_TYP_SHIFT | ACPIPM_SLP_EN));
	}
	assert_int_equal(offs, 0);
	/* byte writes: the high byte carries SLP_EN and SLP_TYP */
	vdev_outb(&t, PCTABLES_PM1A_CNT + 1, (uint8_t)((PCTABLES_SLP_TYP_S5 << 2) | (1u << 5)));
	assert_int_equal(offs, 1);
}

static void test_bad_widths(void **state)
{
	(void)state;
	uint32_t v = 0;
	assert_int_equal(vdev_access(&t, VDEV_PIO, PCTABLES_PM1A_CNT, 4, false, &v), -ENODEV);
	assert_int_equal(vdev_access(&t, VDEV_PIO, PCTABLES_PM1A_EVT, 4, false, &v), -EINVAL);
	assert_int_equal(vdev_access(&t, VDEV_PIO, PCTABLES_PM1A_EVT + 1, 2, false, &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_acpi_mode_always, setup),
		cmocka_unit_test_setup(test_s5_powers_off, setup),
		cmocka_unit_test_setup(test_other_sleep_types_ignored, setup),
		cmocka_unit_test_setup(test_bad_widths, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
