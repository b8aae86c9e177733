/* Consumer group listing through a consumer and an admin handle. */
#include "kbtest.h"

static int find_group(const kb_group_info *groups, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(groups[i].name, name) == 0) return (int)i;
    return -1;
}

static void a_live_group_is_listed_with_its_member(void) {
    const char *topic = kbt_topic("groups");
    const char *group = kbt_topic("group");
    CHECK_OK(kbt_create_topic(topic, 1));
    kb_config *c = kbt_config("group.id", group, NULL);
    kb_consumer *cons = NULL;
    CHECK_OK(kb_consumer_new(c, &cons));
    CHECK_OK(kb_consumer_subscribe(cons, &topic, 1));
    size_t assigned = 0;
    for (int i = 0; i < 200 && assigned == 0; i++) { /* the join completes inside poll */
        kb_message *m = NULL;
        kb_partition_list *l = NULL;
        CHECK_OK(kb_consumer_poll(cons, 50, &m));
        kb_message_free(m);
        CHECK_OK(kb_consumer_assignment(cons, &l));
        assigned = kb_partition_list_count(l);
        kb_partition_list_free(l);
    }
    CHECK_EQ_INT(assigned, 1);

    kb_group_list *list = NULL;
    const kb_group_info *groups = NULL;
    size_t n = 0;
    CHECK_OK(kb_group_list_fetch(cons, group, 10000, &list));
    CHECK_OK(kb_group_list_entries(list, &groups));
    n = kb_group_list_count(list);
    CHECK_EQ_INT(n, 1);
    CHECK(strcmp(groups[0].name, group) == 0);
    CHECK(strcmp(groups[0].protocol_type, "consumer") == 0);
    CHECK(strcmp(groups[0].state, "Stable") == 0);
    CHECK_EQ_INT(groups[0].member_count, 1);
    CHECK_OK(kb_group_list_free(list));

    kb_admin *admin = NULL;
    CHECK_OK(kb_admin_new(c, &admin));
    CHECK_OK(kb_group_list_fetch(admin, NULL, 10000, &list));
    CHECK_OK(kb_group_list_entries(list, &groups));
    n = kb_group_list_count(list);
    CHECK(find_group(groups, n, group) >= 0);
    CHECK_OK(kb_group_list_free(list));
    CHECK_ERR(kb_group_list_fetch(admin, NULL, -1, &list), KB_ERR_INVALID_ARGUMENT);
    CHECK_OK(kb_admin_free(admin));
    CHECK_OK(kb_consumer_free(cons));
    CHECK_OK(kb_config_free(c));
}

TEST_MAIN_BEGIN
    RUN(a_live_group_is_listed_with_its_member);
TEST_MAIN_END
