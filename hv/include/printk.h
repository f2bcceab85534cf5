/*
 * printk: the hypervisor's log. A message may start with a level prefix
 * (LOG_ERR "..."); messages above the console log level are dropped.
 * pr_err() and pr_warn() add file and line so every error says where it came
 * from (jailhouse's trace_error).
 */
#ifndef HV_PRINTK_H
#define HV_PRINTK_H

#include "types.h"

#define LOG_SOH         "\001"
#define LOG_EMERG       LOG_SOH "0"
#define LOG_ALERT       LOG_SOH "1"
#define LOG_CRIT        LOG_SOH "2"
#define LOG_ERR         LOG_SOH "3"
#define LOG_WARNING     LOG_SOH "4"
#define LOG_NOTICE      LOG_SOH "5"
#define LOG_INFO        LOG_SOH "6"
#define LOG_DEBUG       LOG_SOH "7"

#define LOGLEVEL_DEFAULT 6              /* info */

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);

#define pr_err(fmt, ...)   printk(LOG_ERR "error: %s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__)
#define pr_warn(fmt, ...)  printk(LOG_WARNING "warning: %s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(LOG_NOTICE fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  printk(LOG_INFO fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) printk(LOG_DEBUG fmt, ##__VA_ARGS__)

/* Current threshold: messages with level <= loglevel are printed. */
extern int printk_loglevel;

/* Parse "0".."7" or a name ("err", "warning", "info", "debug", ...). */
int loglevel_parse(const char *s);
const char *loglevel_name(int level);

#endif
