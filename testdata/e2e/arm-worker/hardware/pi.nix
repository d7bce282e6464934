# Hand-written module of this test case (a stand-in for the real one).
{ ... }: { }
